"""The luma-error peak of a candidate, and the calibration that fuses it with the network's answer.

Why: the network sees a few dozen patches (32 of 64 px cover 6 % of a 1920x1080 picture), so it
misses a strong artefact that sits elsewhere, and from 60 training pictures it does not learn
how visible a picture's worst spot is. A statistic over every pixel does: the 99.9th percentile of
the blurred luma error in an opsin (cone-response, cube-root) space, the space butteraugli and
JPEG XL measure in. ``PeakCalibration`` combines the two by logistic regression,

    logit P = net_scale * logit(P_net) + bias + peak_slope * ln(peak),

fitted after training on the training pairs (``fit_peak_calibration``), so it needs no held-out
picture; weights/MODEL_CARD.md has the measurements behind the choice of statistic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import cv2
import numpy as np

# Linear sRGB -> L and M cone responses and the absorbance bias: the opsin matrix of JPEG XL's XYB.
_OPSIN_LM = np.array([[0.30, 0.622, 0.078], [0.23, 0.692, 0.078]], np.float32)
_OPSIN_BIAS = np.float32(0.0037930732552754493)
_CODES = np.arange(256) / 255
_SRGB_TO_LINEAR = np.where(_CODES <= 0.04045, _CODES / 12.92, ((_CODES + 0.055) / 1.055) ** 2.4).astype(np.float32)
DEFAULT_SIGMA = 3.0  # px: the blur that turns ringing into a visible blotch's strength
DEFAULT_QUANTILE = 0.999  # 2,000 pixels of a 1920x1080 picture: one small blotch is enough
_PEAK_FLOOR = 1e-6  # ln(0) guard: an identical candidate gets a very large, finite ln(peak) step
_P_CLIP = 1e-6  # the network's probability is clipped before its logit


def opsin_luma(rgb: np.ndarray) -> np.ndarray:
    """Y of XYB (up to a constant, which the peak's difference removes) of an HxWx3 uint8 sRGB picture."""
    cones = np.cbrt(_SRGB_TO_LINEAR[rgb] @ _OPSIN_LM.T + _OPSIN_BIAS)
    return (cones[..., 0] + cones[..., 1]) * np.float32(0.5)


def luma_peaks(
    reference_luma: np.ndarray, candidates: Sequence[np.ndarray], sigma: float = DEFAULT_SIGMA,
    quantile: float = DEFAULT_QUANTILE,
) -> np.ndarray:
    """Per candidate: the ``quantile`` of |Gaussian blur (sigma px) of its luma minus the reference's|."""
    peaks = np.empty(len(candidates))
    for i, candidate in enumerate(candidates):
        blurred = cv2.GaussianBlur(opsin_luma(candidate) - reference_luma, (0, 0), sigma)
        peaks[i] = np.quantile(np.abs(blurred), quantile)
    return peaks


@dataclass(frozen=True)
class PeakCalibration:
    """logit P = net_scale * logit(P_net) + bias + peak_slope * ln(luma_peaks(sigma, quantile))."""

    net_scale: float
    bias: float
    peak_slope: float
    sigma: float = DEFAULT_SIGMA
    quantile: float = DEFAULT_QUANTILE

    def __post_init__(self) -> None:
        values = asdict(self).values()
        if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
            raise ValueError("peak calibration: every field must be a finite number")
        if self.sigma <= 0 or not 0 < self.quantile < 1:
            raise ValueError("peak calibration: sigma must be positive and quantile within (0, 1)")

    def peaks(self, reference_luma: np.ndarray, candidates: Sequence[np.ndarray]) -> np.ndarray:
        return luma_peaks(reference_luma, candidates, self.sigma, self.quantile)

    def apply(self, net_probabilities: np.ndarray, peaks: np.ndarray) -> np.ndarray:
        """Calibrated P(perceptually lossless), float64 like the network's."""
        z = self.net_scale * _logit(net_probabilities) + self.bias + self.peak_slope * _log_peak(peaks)
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, float]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PeakCalibration:
        """The inverse of to_dict; ValueError on unknown or missing fields."""
        return cls(**data)


def fit_peak_calibration(
    net_probabilities: np.ndarray, peaks: np.ndarray, labels: np.ndarray, *, sigma: float = DEFAULT_SIGMA,
    quantile: float = DEFAULT_QUANTILE, iterations: int = 50,
) -> PeakCalibration:
    """Maximum-likelihood logistic regression of the (soft) labels on [logit P_net, 1, ln peak];
    ``peaks`` must have been measured with ``sigma`` and ``quantile``.

    Newton's method (IRLS) in float64 from zero: the problem is convex, so it converges to the one
    optimum whatever the data order, and the answer is deterministic. A tiny ridge keeps it finite
    when the pairs are separable.
    """
    if not len(labels) == len(peaks) == len(net_probabilities) or len(labels) < 3:
        raise ValueError("peak calibration needs at least 3 pairs with a probability, a peak and a label each")
    x = np.column_stack([_logit(net_probabilities), np.ones(len(labels)), _log_peak(peaks)])
    y = np.asarray(labels, np.float64)
    ridge = 1e-9 * len(y) * np.eye(3)
    coef = np.zeros(3)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ coef)))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]) + ridge, x.T @ (y - p) - ridge @ coef)
        coef += step
        if np.max(np.abs(step)) < 1e-10:
            break
    return PeakCalibration(float(coef[0]), float(coef[1]), float(coef[2]), sigma, quantile)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, np.float64), _P_CLIP, 1 - _P_CLIP)
    return np.log(p / (1 - p))


def _log_peak(peaks: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(peaks, np.float64), _PEAK_FLOOR))
