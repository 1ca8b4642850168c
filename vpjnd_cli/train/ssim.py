"""SSIM in torch, per sample, for the visual-importance weight (no torchvision or piq needed).

Constants as in the VP-JND authors' code: 11x11 Gaussian window, sigma 1.5,
k1 = 0.01, k2 = 0.02, on 0..255 luma; 'valid' windows only (no padding bias at patch borders).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

BT601 = (0.299, 0.587, 0.114)


def _window(size: int, sigma: float, device: torch.device) -> Tensor:
    x = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    g = g / g.sum()
    return (g[:, None] * g[None, :]).float()[None, None]


def luma(rgb: Tensor) -> Tensor:
    """[..., 3, H, W] in 0..255 -> [..., 1, H, W] BT.601 luma (float32)."""
    weights = torch.tensor(BT601, device=rgb.device).view(3, 1, 1)
    return (rgb.float() * weights).sum(-3, keepdim=True)


def ssim(a: Tensor, b: Tensor, *, window: int = 11, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.02) -> Tensor:
    """Mean SSIM per leading index of two [N, 1, H, W] grey batches in 0..255 -> [N]."""
    if a.shape != b.shape or a.ndim != 4 or a.shape[1] != 1:
        raise ValueError(f"expected two equal [N, 1, H, W] batches, got {tuple(a.shape)} and {tuple(b.shape)}")
    size = min(window, a.shape[-1], a.shape[-2])
    kernel = _window(size, sigma, a.device)
    c1, c2 = (k1 * 255) ** 2, (k2 * 255) ** 2
    a, b = a.float(), b.float()
    mu_a, mu_b = F.conv2d(a, kernel), F.conv2d(b, kernel)
    var_a = F.conv2d(a * a, kernel) - mu_a**2
    var_b = F.conv2d(b * b, kernel) - mu_b**2
    cov = F.conv2d(a * b, kernel) - mu_a * mu_b
    numerator = (2 * mu_a * mu_b + c1) * (2 * cov + c2)
    denominator = (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    return (numerator / denominator).mean((1, 2, 3))
