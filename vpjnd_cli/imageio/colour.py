"""Colour helpers shared by the JND models, judges and writers."""

from __future__ import annotations

import numpy as np

BT601 = np.array([0.299, 0.587, 0.114], dtype=np.float64)


def luma_bt601(picture: np.ndarray) -> np.ndarray:
    """BT.601 luma in [0, 255] as float32, from an HxW grey or HxWx3 RGB uint8 picture.

    A grey picture and the RGB picture with R = G = B give the same luma exactly.
    """
    if picture.ndim == 2:
        return picture.astype(np.float32)
    if picture.ndim == 3 and picture.shape[2] == 3:
        return (picture @ BT601).astype(np.float32)  # float64 sum: grey == RGB exactly
    raise ValueError(f"expected an HxW or HxWx3 picture, got shape {picture.shape}")


def flatten_alpha(rgb: np.ndarray, alpha: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """Composite RGB with straight alpha onto a solid background, rounded to uint8."""
    a = alpha.astype(np.float32)[..., None] / 255.0
    bg = np.asarray(background, dtype=np.float32)
    out = rgb.astype(np.float32) * a + bg * (1.0 - a)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)
