"""The JND maps of this package computed with torch, for a GPU (``jnd_map_on``).

Why: on one CPU core the OpenCV path takes about 0.1 s per 1920x1080 picture, longer than the
network's whole block on a GPU. This module repeats the same steps (the MATLAB borders, the
floored background lookup, Canny with OpenCV's non-maximum suppression and hysteresis) so that
the map is the same map, not a lookalike; only Canny's hysteresis runs on the CPU (see there).
What still differs is rounding (float sums in another order, another atan2 and pow): 3e-5 grey
levels at most on corpus photos, and Canny's edges were identical. tests/jnd/test_jnd_torch.py
bounds both.

The kernels, tables and constants are the OpenCV modules' own (some of them private there), so
the two paths cannot drift apart. Pictures under ``MIN_SIDE`` pixels on a side take the OpenCV
path: they cost nothing, and the mirrored borders of the models need a few pixels to mirror.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from vpjnd_cli.imageio.colour import BT601
from vpjnd_cli.jnd import epc, jnd_map, namm
from vpjnd_cli.jnd.canny import _DERIV, _FULL_SCALE, _GAUSS, LOW_RATIO
from vpjnd_cli.jnd.chou_li import _DIFF, _G2, _G3, _SMOOTH
from vpjnd_cli.jnd.filters import DISK3, gaussian_1d
from vpjnd_cli.jnd.pattern import _BIN_TABLE, _KX, _KY, SMOOTH_BIN, SMOOTH_GRADIENT

MIN_SIDE = 16
_DEGREES_PER_RADIAN = float(np.float32(180.0 / math.pi))  # the float32 factor pattern.py uses
_TG22 = int(math.tan(math.pi / 8) * (1 << 15) + 0.5)  # OpenCV Canny's tan(22.5 deg) in 15-bit fixed point


def jnd_map_on(picture: np.ndarray, model: str, device: torch.device) -> np.ndarray:
    """``jnd.jnd_map(picture, model)`` computed on ``device``; float32 HxW on the CPU."""
    if min(picture.shape[:2]) < MIN_SIDE or model not in _MODELS:
        return jnd_map(picture, model)  # small pictures; an unknown model gets jnd_map's error
    with torch.inference_mode():
        pixels = torch.tensor(picture, device=device)
        if pixels.ndim == 3:  # float64 products, as luma_bt601 computes them
            luma = (pixels.double() @ torch.from_numpy(BT601).to(device)).float()
        else:
            luma = pixels.float()
        return _MODELS[model](luma[None, None]).squeeze().cpu().numpy()


# --- MATLAB/OpenCV filtering on [1, 1, H, W] float tensors -------------------------------------------

def _pad(x: Tensor, size: int, border: str) -> Tensor:
    """Zero, replicated or symmetric (abc|cba, MATLAB's 'symmetric', OpenCV's BORDER_REFLECT) padding."""
    if border == "zero":
        return F.pad(x, (size,) * 4)
    if border == "replicate":
        return F.pad(x, (size,) * 4, mode="replicate")
    x = torch.cat([x[..., :size, :].flip(-2), x, x[..., -size:, :].flip(-2)], dim=-2)
    return torch.cat([x[..., :size].flip(-1), x, x[..., -size:].flip(-1)], dim=-1)


def _kernel(values: np.ndarray, like: Tensor) -> Tensor:
    return torch.as_tensor(np.asarray(values), dtype=like.dtype, device=like.device)[None, None]


def _filter2(x: Tensor, kernel: np.ndarray, border: str = "zero") -> Tensor:
    """Correlation with an odd square kernel, 'same' size (cv2.filter2D)."""
    return F.conv2d(_pad(x, kernel.shape[0] // 2, border), _kernel(kernel, x))


def _filter2_sep(x: Tensor, column: np.ndarray, row: np.ndarray, border: str = "zero") -> Tensor:
    """``column * row`` (two 1-D kernels of one odd length) as two passes, rows first, as
    cv2.sepFilter2D runs them."""
    padded = _pad(x, len(row) // 2, border)
    along_rows = F.conv2d(padded, _kernel(np.asarray(row)[None, :], x))
    return F.conv2d(along_rows, _kernel(np.asarray(column)[:, None], x))


def _gaussian(x: Tensor, size: int, sigma: float) -> Tensor:
    g = gaussian_1d(size, sigma)
    return _filter2_sep(x, g, g)


def _box_mean(x: Tensor, size: int) -> Tensor:
    """Window mean with zero padding, in float64 (OpenCV's box filter sums in double)."""
    return F.avg_pool2d(F.pad(x.double(), (size // 2,) * 4), size, stride=1)


def _matlab_round(x: Tensor) -> Tensor:
    return torch.trunc(x + torch.copysign(torch.full_like(x, 0.5), x))


# --- Chou-Li pieces ------------------------------------------------------------------------------------

def _background_sum(luma: Tensor) -> Tensor:
    return (_box_mean(luma, 5) * 25.0).float() + (_box_mean(luma, 3) * 9.0).float() - 2.0 * luma


def _luminance_adaptation(bg: Tensor) -> Tensor:
    dark = 17.0 * (1.0 - torch.sqrt(bg.clamp(0.0, 127.0) / 127.0)) + 3.0
    bright = (3.0 / 128.0) * (bg - 127.0) + 3.0
    return torch.where(bg <= 127.0, dark, bright)


def _edge_height(luma: Tensor, border: str = "zero") -> Tensor:
    mg = _filter2_sep(luma, _DIFF, _SMOOTH, border).abs()
    for g in (_filter2_sep(luma, _SMOOTH, _DIFF, border), _filter2(luma, _G2, border), _filter2(luma, _G3, border)):
        mg = torch.maximum(mg, g.abs())
    return mg


def _edge_height_symmetric(luma: Tensor) -> Tensor:
    return _pad(_edge_height(luma)[..., 2:-2, 2:-2], 2, "symmetric")


# --- Canny as chou_li/canny.py: MATLAB's gradients, OpenCV's suppression and hysteresis ------------------

def _canny(luma: Tensor, high: float) -> Tensor:
    """Boolean edges, as ``canny.canny_matlab(luma, high)``."""
    gx = _filter2_sep(luma, _GAUSS, _DERIV, "replicate")
    gy = _filter2_sep(luma, _DERIV, _GAUSS, "replicate")
    peak = float(torch.sqrt(gx * gx + gy * gy).max())
    if not peak > 0.0:
        return torch.zeros_like(luma, dtype=torch.bool)
    scale = _FULL_SCALE / peak
    dx, dy = (torch.round(g.double() * scale).clamp(-32768, 32767).long() for g in (gx, gy))
    low_threshold, high_threshold = (math.floor(min(32767.0, t * _FULL_SCALE) ** 2) for t in (LOW_RATIO * high, high))
    magnitude = dx * dx + dy * dy
    kept = _non_maximum(magnitude, dx, dy) & (magnitude > low_threshold)
    edges = _hysteresis(kept & (magnitude > high_threshold), kept)
    edges[..., [0, -1], :] = False
    edges[..., :, [0, -1]] = False
    return edges


def _non_maximum(magnitude: Tensor, dx: Tensor, dy: Tensor) -> Tensor:
    """OpenCV's rule: the nearest of four directions, strict on one side, a zero frame around the picture."""
    m = F.pad(magnitude, (1, 1, 1, 1))
    centre = m[..., 1:-1, 1:-1]

    def beside(row: int, column: int) -> Tensor:
        h, w = centre.shape[-2:]
        return m[..., 1 + row:1 + row + h, 1 + column:1 + column + w]

    x, y = dx.abs(), dy.abs() << 15
    tg22x = x * _TG22
    horizontal = y < tg22x
    vertical = ~horizontal & (y > tg22x + (x << 16))
    same_sign = torch.bitwise_xor(dx, dy) >= 0
    diagonal = torch.where(same_sign, (centre > beside(-1, -1)) & (centre > beside(1, 1)),
                           (centre > beside(-1, 1)) & (centre > beside(1, -1)))
    along_rows = (centre > beside(0, -1)) & (centre >= beside(0, 1))
    along_columns = (centre > beside(-1, 0)) & (centre >= beside(1, 0))
    return torch.where(horizontal, along_rows, torch.where(vertical, along_columns, diagonal))


def _hysteresis(strong: Tensor, kept: Tensor) -> Tensor:
    """Every kept pixel 8-connected to a strong one through kept pixels.

    The one step on the CPU: OpenCV labels the connected kept pixels in about 2 ms for 1920x1080,
    whatever their shape, where growing the edges on the GPU takes a step per pixel of the longest
    edge (150 steps on a 1280x720 photo, thousands on a spiral).
    """
    count, labels = cv2.connectedComponents(kept.squeeze().cpu().numpy().view(np.uint8), connectivity=8)
    has_strong = np.zeros(count, dtype=bool)
    has_strong[labels[strong.squeeze().cpu().numpy()]] = True
    has_strong[0] = False  # the label of every pixel that is not kept
    return torch.from_numpy(has_strong[labels]).to(kept.device).reshape(kept.shape)


# --- the two models ---------------------------------------------------------------------------------

def _orientation_complexity(luma: Tensor) -> Tensor:
    gx = _filter2(luma, _KX, "replicate")  # a 1-pixel symmetric border is the replicated one
    gy = _filter2(luma, _KY, "replicate")
    degrees = torch.atan2(gy, gx) * _DEGREES_PER_RADIAN
    table = torch.as_tensor(_BIN_TABLE, device=luma.device).long()
    bins = table[(_matlab_round(degrees) + 180.0).long()]
    bins = torch.where(gx * gx + gy * gy < SMOOTH_GRADIENT**2, SMOOTH_BIN, bins)
    distinct = torch.zeros_like(luma)
    for value in range(SMOOTH_BIN + 1):
        distinct += F.max_pool2d((bins == value).float(), 3, stride=1, padding=1)
    distinct = torch.where(bins == SMOOTH_BIN, 1.0, distinct)
    distinct[..., [0, -1], :] = 1.0
    distinct[..., :, [0, -1]] = 1.0
    return _gaussian(distinct, 3, 1.0)


def _edge_protection(luma: Tensor) -> Tensor:
    peak = float(_edge_height_symmetric(luma).max())
    threshold = epc.MAX_CANNY_THRESHOLD if peak <= 0.0 else min(epc.EDGE_HEIGHT / peak, epc.MAX_CANNY_THRESHOLD)
    edges = _canny(luma, threshold).float()
    near_edge = (F.conv2d(F.pad(edges, (3,) * 4), _kernel(DISK3, edges)) > 0).float()
    return _gaussian(1.0 - near_edge, 5, 0.8)


def _epc(luma: Tensor) -> Tensor:
    floored = torch.floor(_background_sum(luma) / 32.0).clamp(0, 255).long()
    jnd_la = torch.as_tensor(epc._LA_TABLE, device=luma.device)[floored]
    mean = _box_mean(luma, 5)
    mean_sq = _box_mean(luma.double() ** 2, 5)
    lc = torch.zeros_like(luma)
    lc[..., 2:-2, 2:-2] = torch.sqrt((mean_sq - mean * mean)[..., 2:-2, 2:-2].clamp(min=0.0)).float()
    jnd_lc = 1.84 * lc.pow(2.4) / (lc * lc + 26.0**2)
    pc = _orientation_complexity(luma)
    ct = 0.3 * pc.pow(2.7) / (pc * pc + 1.0)
    jnd_vm = torch.maximum(jnd_lc, lc * ct * _edge_protection(luma))
    return jnd_la + jnd_vm - epc.NAMM_OVERLAP * torch.minimum(jnd_la, jnd_vm)


def _namm(luma: Tensor) -> Tensor:
    t_l = _luminance_adaptation(_background_sum(luma) / 32.0)
    on_edges = torch.where(_canny(luma, namm.CANNY_THRESHOLD), namm.EDGE_WEIGHT, 1.0)
    t_t = namm.TEXTURE_GAIN * _edge_height_symmetric(luma) * _gaussian(on_edges, 7, 0.8)
    return t_l + t_t - namm.OVERLAP_LUMA * torch.minimum(t_l, t_t)


_MODELS = {"epc": _epc, "namm": _namm}
