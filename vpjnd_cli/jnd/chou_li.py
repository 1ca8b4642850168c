"""Chou & Li (1995) building blocks shared by the NAMM and EPC models.

All filters are MATLAB ``filter2`` correlations with zero padding, as in the reference code, so the
2-pixel frame of a picture sees a dark surround: bg falls and LA rises there. Callers that must not
see that artefact (edge heights) use :func:`edge_height_symmetric`.
"""

from __future__ import annotations

import cv2
import numpy as np

from vpjnd_cli.jnd.filters import SYMMETRIC, ZERO, as_f32, box_sum, filter2, filter2_sep

_SMOOTH = np.array([1, 3, 8, 3, 1], np.float32) / 16.0  # the /16 of the gradients folded in
_DIFF = np.array([0, 1, 0, -1, 0], np.float32)
_G2 = (
    np.array(
        [
            [0, 0, 1, 0, 0],
            [0, 8, 3, 0, 0],
            [1, 3, 0, -3, -1],
            [0, 0, -3, -8, 0],
            [0, 0, -1, 0, 0],
        ],
        np.float32,
    )
    / 16.0
)
_G3 = np.ascontiguousarray(_G2[:, ::-1])  # G3 is G2 mirrored left-right


def background_sum(luma: np.ndarray) -> np.ndarray:
    """``filter2(B, I)`` for B = [1 1 1 1 1; 1 2 2 2 1; 1 2 0 2 1; ...], i.e. 32 x background.

    B is a 5x5 box plus a 3x3 box minus twice the centre, so two box filters do it; for integer
    luma the float32 result is exact, which keeps EPC's ``floor(. / 32)`` faithful.
    """
    i = as_f32(luma)
    return box_sum(i, 5) + box_sum(i, 3) - 2.0 * i


def background(luma: np.ndarray) -> np.ndarray:
    """Background luminance bg = filter2(B, I) / 32 (zero padding)."""
    return background_sum(luma) * np.float32(1.0 / 32.0)


def luminance_adaptation(bg: np.ndarray) -> np.ndarray:
    """Visibility threshold from background luminance alone (Chou-Li curve, minimum 3 at bg = 127).

    17 (1 - sqrt(bg / 127)) + 3 for bg <= 127, else 3/128 (bg - 127) + 3.
    """
    b = np.asarray(bg, dtype=np.float32)
    dark = 17.0 * (1.0 - np.sqrt(np.clip(b, 0.0, 127.0) / np.float32(127.0))) + 3.0
    bright = np.float32(3.0 / 128.0) * (b - 127.0) + 3.0
    return np.where(b <= 127.0, dark, bright).astype(np.float32, copy=False)


def edge_height(luma: np.ndarray, border: int = ZERO) -> np.ndarray:
    """mg = max_k |filter2(G_k, I)| / 16 over the four 5x5 directional gradients."""
    i = as_f32(luma)
    mg = np.abs(filter2_sep(i, _DIFF, _SMOOTH, border))  # G1: horizontal edges
    for g in (filter2_sep(i, _SMOOTH, _DIFF, border), filter2(i, _G2, border), filter2(i, _G3, border)):
        np.maximum(mg, np.abs(g, out=g), out=mg)
    return mg


def edge_height_symmetric(luma: np.ndarray) -> np.ndarray:
    """Edge heights with the 2-pixel zero-padding frame replaced by its symmetric mirror.

    This is the EPC code's ``padarray(mg(3:end-2, 3:end-2), [2 2], 'symmetric')``: zero padding
    would otherwise fake strong edges all round the picture. Pictures under 5 pixels on a side have
    no interior to mirror; for them the gradients are taken on a symmetrically padded picture.
    """
    h, w = luma.shape
    if h < 5 or w < 5:
        return edge_height(luma, border=SYMMETRIC)
    inner = np.ascontiguousarray(edge_height(luma)[2:-2, 2:-2])
    return cv2.copyMakeBorder(inner, 2, 2, 2, 2, SYMMETRIC)
