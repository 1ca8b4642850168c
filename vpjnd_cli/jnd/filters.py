"""MATLAB-compatible filtering primitives on float32 pictures, built on OpenCV.

The reference JND code is MATLAB: ``filter2`` is a correlation with zero padding, and
``cv2.filter2D`` is also a correlation, so kernels are passed unflipped with BORDER_CONSTANT.
"""

from __future__ import annotations

import cv2
import numpy as np

ZERO = cv2.BORDER_CONSTANT  # MATLAB filter2 / imfilter default: zero padding
SYMMETRIC = cv2.BORDER_REFLECT  # MATLAB padarray 'symmetric': abc|cba


def as_f32(picture: np.ndarray) -> np.ndarray:
    """A C-contiguous float32 view or copy, as OpenCV wants it."""
    return np.ascontiguousarray(picture, dtype=np.float32)


def filter2(image: np.ndarray, kernel: np.ndarray, border: int = ZERO) -> np.ndarray:
    """MATLAB ``filter2(kernel, image)`` ('same' size, zero padding by default)."""
    return cv2.filter2D(as_f32(image), cv2.CV_32F, np.asarray(kernel, np.float32), borderType=border)


def filter2_sep(
    image: np.ndarray, column: np.ndarray, row: np.ndarray, border: int = ZERO
) -> np.ndarray:
    """``filter2(column * row, image)`` for a separable kernel: same result, far fewer operations."""
    return cv2.sepFilter2D(
        as_f32(image),
        cv2.CV_32F,
        np.asarray(row, np.float32),
        np.asarray(column, np.float32),
        borderType=border,
    )


def box_sum(image: np.ndarray, size: int, border: int = ZERO) -> np.ndarray:
    """Unnormalised ``size`` x ``size`` window sum (zero padding by default)."""
    return cv2.boxFilter(as_f32(image), cv2.CV_32F, (size, size), normalize=False, borderType=border)


def gaussian_1d(size: int, sigma: float) -> np.ndarray:
    """Normalised 1-D Gaussian; its outer product is MATLAB ``fspecial('gaussian', size, sigma)``."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-(x * x) / (2.0 * sigma * sigma))
    return (g / g.sum()).astype(np.float32)


def gaussian_filter(image: np.ndarray, size: int, sigma: float) -> np.ndarray:
    """``filter2(fspecial('gaussian', size, sigma), image)`` with zero padding."""
    g = gaussian_1d(size, sigma)
    return filter2_sep(image, g, g)


def matlab_round(x: np.ndarray) -> np.ndarray:
    """Round half away from zero, as MATLAB ``round`` does (numpy rounds half to even)."""
    return np.trunc(x + np.copysign(np.asarray(0.5, dtype=x.dtype), x))


# MATLAB strel('disk', 3) with its default 4-line decomposition (N = 4) is this 7x7 octagon-like
# neighbourhood (37 pixels); it is larger than a Euclidean disk or OpenCV's MORPH_ELLIPSE (29 pixels).
DISK3 = np.array(
    [
        [0, 0, 1, 1, 1, 0, 0],
        [0, 1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [0, 1, 1, 1, 1, 1, 0],
        [0, 0, 1, 1, 1, 0, 0],
    ],
    dtype=np.uint8,
)
