"""Yang et al. 2005 JND with the nonlinear additivity model for masking (NAMM), luma channel.

JND = T_l + T_t - 0.3 min(T_l, T_t): luminance adaptation and texture masking overlap, so their
sum overstates the threshold. Texture masking is scaled down near Canny edges, where the eye sees
distortion more easily than in texture.
"""

from __future__ import annotations

import numpy as np

from vpjnd_cli.jnd.canny import canny_matlab
from vpjnd_cli.jnd.chou_li import (
    background,
    edge_height_symmetric,
    luminance_adaptation,
)
from vpjnd_cli.jnd.filters import gaussian_filter

OVERLAP_LUMA = 0.3  # C for luma (0.25 for Cb, 0.2 for Cr)
TEXTURE_GAIN = 0.117
CANNY_THRESHOLD = 0.5
EDGE_WEIGHT = 0.1  # E on edges; 1 elsewhere


def edge_weight(luma: np.ndarray) -> np.ndarray:
    """W = E * h: 0.1 on Canny edges, 1 elsewhere, smoothed by a 7x7 Gaussian (sigma 0.8)."""
    e = np.where(canny_matlab(luma, CANNY_THRESHOLD), np.float32(EDGE_WEIGHT), np.float32(1.0))
    return gaussian_filter(e, 7, 0.8)


def namm_jnd(luma: np.ndarray) -> np.ndarray:
    """NAMM JND map in grey levels from float luma in [0, 255] (HxW).

    Edge heights use the EPC code's symmetric border (no fake edges from zero padding); bg and W
    keep MATLAB's zero padding like the rest of the Chou-Li pieces.
    """
    t_l = luminance_adaptation(background(luma))
    t_t = TEXTURE_GAIN * edge_height_symmetric(luma) * edge_weight(luma)
    jnd = t_l + t_t - OVERLAP_LUMA * np.minimum(t_l, t_t)
    return jnd.astype(np.float32, copy=False)
