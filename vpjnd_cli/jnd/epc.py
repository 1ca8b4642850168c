"""Wu et al. 2017 JND with pattern complexity ("EPC"), following the authors' official MATLAB code.

The official code differs from the paper (docs/design.md, "JND maps"); users of the model run the
code, so we follow it: a remapped and damped luminance adaptation, a 5x5 local-contrast masking,
pattern masking from the number of distinct gradient orientations in a 3x3 window, and Canny-based
edge protection, combined by the NAMM rule.
"""

from __future__ import annotations

import cv2
import numpy as np

from vpjnd_cli.jnd.canny import canny_matlab
from vpjnd_cli.jnd.chou_li import (
    background_sum,
    edge_height_symmetric,
    luminance_adaptation,
)
from vpjnd_cli.jnd.filters import DISK3, as_f32, gaussian_filter
from vpjnd_cli.jnd.pattern import orientation_complexity

LA_WEIGHT = 0.7
MIN_LUM = 32  # dark backgrounds are remapped into [32, 127] before the LA curve
EDGE_HEIGHT = 60.0
MAX_CANNY_THRESHOLD = 0.8
NAMM_OVERLAP = 0.3


def _la_table() -> np.ndarray:
    """0.7 x LA(bg) for every integer bg0 = floor(filter2(B, I) / 32) in 0..255, remap included."""
    bg0 = np.arange(256, dtype=np.float64)
    remapped = np.floor(MIN_LUM + bg0 * (127 - MIN_LUM) / 127 + 0.5)  # MATLAB round, bg0 >= 0
    bg = np.where(bg0 <= 127, remapped, bg0)
    return (LA_WEIGHT * luminance_adaptation(bg).astype(np.float64)).astype(np.float32)


_LA_TABLE = _la_table()


def luminance_adaptation_epc(luma: np.ndarray) -> np.ndarray:
    """jnd_LA: a 256-entry lookup on the floored background (exact, and cheaper than the formula)."""
    bg0 = background_sum(luma)
    bg0 *= np.float32(1.0 / 32.0)  # exact: a power of two
    np.floor(bg0, out=bg0)
    np.clip(bg0, 0, 255, out=bg0)
    return cv2.LUT(bg0.astype(np.uint8), _LA_TABLE).reshape(bg0.shape)


def luminance_contrast(luma: np.ndarray) -> np.ndarray:
    """Lc: 5x5 local standard deviation, zero on the 2-pixel border.

    Computed in float64: mean(I^2) - mean(I)^2 cancels badly in float32 on flat bright areas.
    """
    i = np.asarray(luma, dtype=np.float64)
    mean = cv2.boxFilter(i, cv2.CV_64F, (5, 5), borderType=cv2.BORDER_CONSTANT)
    mean_sq = cv2.sqrBoxFilter(i, cv2.CV_64F, (5, 5), borderType=cv2.BORDER_CONSTANT)
    var = cv2.subtract(mean_sq, cv2.multiply(mean, mean))[2:-2, 2:-2]
    lc = np.zeros(luma.shape, dtype=np.float32)
    lc[2:-2, 2:-2] = np.sqrt(np.maximum(var, 0.0))
    return lc


def edge_protection(luma: np.ndarray) -> np.ndarray:
    """Weight in [0, 1], low near Canny edges: distortion on edges is seen more easily than in texture."""
    peak = float(edge_height_symmetric(luma).max())
    threshold = MAX_CANNY_THRESHOLD if peak <= 0.0 else min(EDGE_HEIGHT / peak, MAX_CANNY_THRESHOLD)
    edges = canny_matlab(luma, threshold).view(np.uint8)
    near_edge = cv2.dilate(edges, DISK3)
    return gaussian_filter(1.0 - near_edge.astype(np.float32), 5, 0.8)


def _power(x: np.ndarray, exponent: float) -> np.ndarray:
    """x ** exponent for x >= 0 in float32 (cv2.pow is several times faster than np.power)."""
    return cv2.pow(as_f32(x), exponent)


def epc_jnd(luma: np.ndarray) -> np.ndarray:
    """EPC JND map in grey levels from float luma in [0, 255] (HxW)."""
    jnd_la = luminance_adaptation_epc(luma)
    lc = luminance_contrast(luma)
    jnd_lc = 1.84 * _power(lc, 2.4) / (lc * lc + np.float32(26.0**2))
    pc = orientation_complexity(luma)
    ct = 0.3 * _power(pc, 2.7) / (pc * pc + np.float32(1.0))
    jnd_pm = lc * ct * edge_protection(luma)
    jnd_vm = np.maximum(jnd_lc, jnd_pm)
    jnd = jnd_la + jnd_vm - NAMM_OVERLAP * np.minimum(jnd_la, jnd_vm)
    return jnd.astype(np.float32, copy=False)
