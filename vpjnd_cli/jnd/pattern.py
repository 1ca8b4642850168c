"""Pattern complexity of the EPC model: how many gradient orientations meet in a 3x3 window.

Regular structure (one orientation) hides little distortion; disorderly texture (many
orientations) hides much. Follows the official code: bins of 12 degrees, a smooth bin.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from vpjnd_cli.jnd.filters import SYMMETRIC, as_f32, gaussian_filter, matlab_round

SMOOTH_GRADIENT = 5.0  # gradient magnitude below which a pixel has no orientation
ORIENTATION_STEP = 12  # degrees per orientation bin: bins 0..15, 16 = smooth
SMOOTH_BIN = 16

_KX = np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], np.float32) / 3.0
_KY = np.ascontiguousarray(_KX.T)


def _bin_table() -> np.ndarray:
    """Orientation bin for every rounded angle -180..180 degrees (index = angle + 180)."""
    o = np.arange(-180, 181)
    o = np.where(o > 90, o - 180, o)
    o = np.where(o < -90, o + 180, o) + 90  # wrapped to [-90, 90], then shifted to [0, 180]
    return np.floor(o / ORIENTATION_STEP + 0.5).astype(np.uint8)  # MATLAB round, o >= 0


_BIN_TABLE = _bin_table()


def orientation_bins(luma: np.ndarray) -> np.ndarray:
    """Bins 0..15 of the rounded gradient orientation, 16 where the gradient is weaker than 5.

    The picture is padded symmetrically by one pixel (the code's ``padarray(I, [1 1], 'symmetric')``).
    kx and ky are applied as correlations (filter2); a convolution would flip both gradient signs,
    which only moves gradients at exactly +-90 degrees between bins 15 and 0.
    """
    i = as_f32(luma)
    gx = cv2.filter2D(i, cv2.CV_32F, _KX, borderType=SYMMETRIC)
    gy = cv2.filter2D(i, cv2.CV_32F, _KY, borderType=SYMMETRIC)
    degrees = np.arctan2(gy, gx)
    degrees *= np.float32(180.0 / math.pi)
    index = (matlab_round(degrees) + 180.0).astype(np.int16)
    bins = _BIN_TABLE[index]
    bins[gx * gx + gy * gy < SMOOTH_GRADIENT**2] = SMOOTH_BIN
    return bins


def _or3(mask: np.ndarray, axis: int) -> np.ndarray:
    """Bitwise OR of each element with its two neighbours along ``axis`` (ends: fewer neighbours)."""
    out = mask.copy()
    lo = [slice(None)] * 2
    hi = [slice(None)] * 2
    lo[axis], hi[axis] = slice(None, -1), slice(1, None)
    out[tuple(lo)] |= mask[tuple(hi)]
    out[tuple(hi)] |= mask[tuple(lo)]
    return out


def distinct_in_3x3(bins: np.ndarray) -> np.ndarray:
    """Number of distinct values (0..16) in each 3x3 window; the window is cut at the picture edge.

    Each bin becomes one bit of a 17-bit mask; OR over the window (two separable passes of
    shifted slices) and a popcount count the distinct bins without any per-pixel loop.
    """
    mask = np.left_shift(np.uint32(1), bins, dtype=np.uint32)
    return np.bitwise_count(_or3(_or3(mask, 0), 1))


def orientation_complexity(luma: np.ndarray) -> np.ndarray:
    """Pc: distinct orientation bins in each 3x3 window, smoothed by a 3x3 Gaussian (sigma 1).

    The count is 1 where the centre pixel is smooth and on the 1-pixel border, as in the official
    code; the Gaussian uses zero padding, so Pc falls below 1 on the border of a flat picture.
    """
    bins = orientation_bins(luma)
    cmlx = distinct_in_3x3(bins).astype(np.float32)
    cmlx[bins == SMOOTH_BIN] = 1.0
    cmlx[[0, -1], :] = 1.0
    cmlx[:, [0, -1]] = 1.0
    return gaussian_filter(cmlx, 3, 1.0)
