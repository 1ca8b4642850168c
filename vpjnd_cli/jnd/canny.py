"""Canny edges with MATLAB ``edge(I, 'canny', thresh)`` semantics, built on ``cv2.Canny``.

MATLAB and OpenCV disagree on what a Canny threshold means. MATLAB smooths with a Gaussian of
sigma sqrt(2) (13 taps, replicated border), differentiates with a derivative-of-Gaussian, divides
the gradient magnitude by its maximum, and reads both thresholds as fractions of that maximum
(low = 0.4 x high). OpenCV takes absolute thresholds on the gradients it is given. So we compute
MATLAB's smoothed gradients ourselves, scale them so that the largest magnitude is a known integer,
and hand them to ``cv2.Canny(dx, dy, ...)`` with thresholds scaled by the same factor.

Differences from MATLAB that remain:
- non-maximum suppression: OpenCV compares with the two neighbours of the nearest of four
  directions; MATLAB interpolates between neighbours. Edges may differ by a pixel here and there;
- gradients are rounded to int16 after scaling (relative error below 1e-4);
- MATLAB never marks the 1-pixel picture border; we clear it after OpenCV's hysteresis.
Hysteresis (weak > low kept when 8-connected to strong > high) is the same in both.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vpjnd_cli.jnd.filters import as_f32

SIGMA = math.sqrt(2.0)
LOW_RATIO = 0.4  # MATLAB: low threshold = 0.4 x high when one threshold is given
_FULL_SCALE = 16384.0  # largest magnitude after scaling: |dx|, |dy| fit in int16


def _kernels(sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """MATLAB's 1-D Gaussian and derivative-of-Gaussian (as correlation kernels)."""
    extent = math.ceil(4.0 * sigma)
    x = np.arange(-extent, extent + 1, dtype=np.float64)
    gauss = np.exp(-(x * x) / (2.0 * sigma * sigma))
    gauss /= gauss.sum()
    deriv = np.gradient(gauss)
    deriv[deriv > 0] /= deriv[deriv > 0].sum()
    deriv[deriv < 0] /= -deriv[deriv < 0].sum()
    # MATLAB convolves; for correlation the antisymmetric derivative kernel is reversed.
    return gauss.astype(np.float32), deriv[::-1].astype(np.float32).copy()


_GAUSS, _DERIV = _kernels(SIGMA)


def smoothed_gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dG/dx and dG/dy of the Gaussian-smoothed picture, replicated border, as MATLAB computes them."""
    i = as_f32(image)
    gx = cv2.sepFilter2D(i, cv2.CV_32F, _DERIV, _GAUSS, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.sepFilter2D(i, cv2.CV_32F, _GAUSS, _DERIV, borderType=cv2.BORDER_REPLICATE)
    return gx, gy


def canny_matlab(image: np.ndarray, high: float, low: float | None = None) -> np.ndarray:
    """Boolean edge map like MATLAB ``edge(image, 'canny', [low high])``.

    ``high`` (and ``low``, default 0.4 x high) are fractions of the picture's largest smoothed
    gradient magnitude, so the result does not depend on the picture's scale.
    """
    if not 0.0 < high < 1.0:
        raise ValueError(f"Canny threshold must be in (0, 1), got {high}")
    low = LOW_RATIO * high if low is None else low
    h, w = image.shape
    edges = np.zeros((h, w), dtype=bool)
    if h < 3 or w < 3:
        return edges  # no interior pixel: MATLAB marks nothing either
    gx, gy = smoothed_gradients(image)
    peak = float(cv2.magnitude(gx, gy).max())
    if not peak > 0.0:
        return edges  # flat picture: no edges
    scale = _FULL_SCALE / peak
    dx = cv2.multiply(gx, scale, dtype=cv2.CV_16S)  # rounds to nearest
    dy = cv2.multiply(gy, scale, dtype=cv2.CV_16S)
    found = cv2.Canny(dx, dy, low * _FULL_SCALE, high * _FULL_SCALE, L2gradient=True)
    edges[1:-1, 1:-1] = found[1:-1, 1:-1] != 0
    return edges
