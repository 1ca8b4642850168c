"""``LumaPeak`` with its per-candidate maths on a torch device (a GPU), for a whole block at once.

Why: every candidate of a search needs the peak, 6-7 ms of one CPU core per 1920x1080 candidate,
0.2 s of a JPEG search, while the network's whole block takes a few ms on a GPU. The area
shrink stays on the CPU: OpenCV's uint8 average is exact and takes 0.6 ms, and it leaves a
quarter of the bytes to send. The opsin tables, the blur and the two order statistics of the
quantile (and the p-norm, summed in float64) are the CPU path's own, so the statistics agree with
``LumaPeak.measure`` to float rounding (tests/model/test_peak_on_torch.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from vpjnd_cli.model import peak
from vpjnd_cli.model.peak import LumaPeak, interpolate, quantile_ranks


class TorchLumaPeak:
    """``statistic.reference`` and ``statistic.peaks`` with the maths on ``device``; the reference
    luma stays there between the blocks of a picture."""

    def __init__(self, statistic: LumaPeak, device: torch.device) -> None:
        self.statistic, self.device = statistic, device
        self._blur = self._kernel(statistic.sigma / statistic.downscale)
        self._masking_blur = self._kernel(statistic.masking_sigma / statistic.downscale) if statistic.masking else None
        self._red_green = [[torch.from_numpy(t).to(device) for t in cone] for cone in peak.RED_GREEN_TABLES]
        self._blue = torch.from_numpy(peak.BLUE_TABLE).to(device)

    def reference(self, rgb: np.ndarray) -> Tensor:
        """The reference's opsin luma on the device, computed once per picture."""
        return self._opsin_luma([rgb])[0]

    def measure(self, reference_luma: Tensor, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """``LumaPeak.measure``: [N, columns], the quantile and, with a norm, the p-norm (and with
        masking the masked p-norm)."""
        columns = self.statistic.columns
        if not candidates:
            return np.empty((0, columns))
        widest = max(len(k) for k in (self._blur, self._masking_blur) if k is not None)
        if min(reference_luma.shape) <= widest // 2:  # too small to mirror the blur's border: the CPU path
            return self.statistic.measure(reference_luma.cpu().numpy(), candidates)
        with torch.inference_mode():
            error = _blurred(self._opsin_luma(candidates) - reference_luma, self._blur).abs().flatten(1)
            low, high, fraction = quantile_ranks(error.shape[1], self.statistic.quantile)
            lower, upper = (error.kthvalue(rank + 1, dim=1).values.cpu().numpy() for rank in (low, high))
            measured = np.empty((len(candidates), columns))
            measured[:, 0] = [interpolate(a, b, fraction) for a, b in zip(lower, upper, strict=True)]
            if self.statistic.norm:
                measured[:, 1] = _p_norms(error, self.statistic.norm)
            if self._masking_blur is not None:
                mask = self._local_contrast(reference_luma).flatten() + self.statistic.masking
                measured[:, 2] = _p_norms(error / mask, self.statistic.norm)
        return measured

    def _local_contrast(self, luma: Tensor) -> Tensor:
        """``peak.local_contrast`` of the reference luma [H, W] on the device."""
        assert self._masking_blur is not None
        deviation = luma - _blurred(luma[None], self._masking_blur)[0]
        return _blurred((deviation * deviation)[None], self._masking_blur)[0].sqrt()

    def _kernel(self, sigma: float) -> Tensor:
        """The Gaussian kernel cv2.GaussianBlur picks for a float32 picture, on the device."""
        size = round(sigma * 8 + 1) | 1
        return torch.from_numpy(cv2.getGaussianKernel(size, sigma, cv2.CV_32F)).to(self.device).flatten()

    def peaks(self, reference_luma: Tensor, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """[N]: each candidate's quantile (``LumaPeak.peaks``)."""
        return self.measure(reference_luma, candidates)[:, 0]

    def _opsin_luma(self, pictures: Sequence[np.ndarray]) -> Tensor:
        """``peak.opsin_luma`` of the shrunk pictures, [N, H, W] float32 on the device."""
        shrunk = np.stack([self.statistic.shrink(picture) for picture in pictures])
        with torch.inference_mode():
            codes = torch.from_numpy(shrunk).to(self.device).long()
            red, green, blue = codes.unbind(-1)
            blue_term = self._blue[blue]
            cones = [(red_table[red] + green_table[green] + blue_term).pow(1 / 3)
                     for red_table, green_table in self._red_green]
            return (cones[0] + cones[1]) * 0.5


def _blurred(pictures: Tensor, kernel: Tensor) -> Tensor:
    """[N, H, W] blurred by the separable ``kernel`` with cv2's default border (gfedcb|abcdefgh)."""
    pad = len(kernel) // 2
    padded = F.pad(pictures[:, None], (pad,) * 4, mode="reflect")
    return F.conv2d(F.conv2d(padded, kernel[None, None, None, :]), kernel[None, None, :, None])[:, 0]


def _p_norms(values: Tensor, power: float) -> np.ndarray:
    """[N]: (mean values^power)^(1/power) of each row of ``values`` [N, M], summed in float64 (peak.p_norm)."""
    return values.double().pow(power).mean(dim=1).pow(1 / power).cpu().numpy()
