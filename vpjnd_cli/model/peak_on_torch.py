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
        sigma = statistic.sigma / statistic.downscale
        size = round(sigma * 8 + 1) | 1  # the size cv2.GaussianBlur picks for a float32 picture
        self._blur = torch.from_numpy(cv2.getGaussianKernel(size, sigma, cv2.CV_32F)).to(device).flatten()
        self._red_green = [[torch.from_numpy(t).to(device) for t in cone] for cone in peak.RED_GREEN_TABLES]
        self._blue = torch.from_numpy(peak.BLUE_TABLE).to(device)

    def reference(self, rgb: np.ndarray) -> Tensor:
        """The reference's opsin luma on the device, computed once per picture."""
        return self._opsin_luma([rgb])[0]

    def measure(self, reference_luma: Tensor, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """``LumaPeak.measure``: [N, columns], the quantile and, with a norm, the p-norm."""
        columns = self.statistic.columns
        if not candidates:
            return np.empty((0, columns))
        pad = len(self._blur) // 2
        if min(reference_luma.shape) <= pad:  # too small to mirror the blur's border: the CPU path
            return self.statistic.measure(reference_luma.cpu().numpy(), candidates)
        with torch.inference_mode():
            error = (self._opsin_luma(candidates) - reference_luma)[:, None]
            error = F.pad(error, (pad,) * 4, mode="reflect")  # cv2's default border, gfedcb|abcdefgh
            error = F.conv2d(error, self._blur[None, None, None, :])
            error = F.conv2d(error, self._blur[None, None, :, None]).abs().flatten(1)
            low, high, fraction = quantile_ranks(error.shape[1], self.statistic.quantile)
            lower, upper = (error.kthvalue(rank + 1, dim=1).values.cpu().numpy() for rank in (low, high))
            measured = np.empty((len(candidates), columns))
            measured[:, 0] = [interpolate(a, b, fraction) for a, b in zip(lower, upper, strict=True)]
            if self.statistic.norm:
                power = self.statistic.norm
                measured[:, 1] = error.double().pow(power).mean(dim=1).pow(1 / power).cpu().numpy()
        return measured

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
