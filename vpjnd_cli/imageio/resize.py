"""Cutting pictures of a fixed size from larger photos (corpora, calibration, benchmarks)."""

from __future__ import annotations

import numpy as np


def cover_and_crop(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Downscale (area filter) until the picture just covers width x height, then centre-crop.

    Downscaling by a large factor also removes the source's own compression artefacts, which
    would otherwise mask the candidates' ones. Refuses to upscale: a smaller source is an error.
    """
    import cv2

    source_height, source_width = rgb.shape[:2]
    scale = max(width / source_width, height / source_height)
    if scale > 1.0:
        raise ValueError(f"a {source_width}x{source_height} picture cannot cover {width}x{height} without upscaling")
    if scale < 1.0:
        size = (max(width, round(source_width * scale)), max(height, round(source_height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    top = (rgb.shape[0] - height) // 2
    left = (rgb.shape[1] - width) // 2
    return np.ascontiguousarray(rgb[top : top + height, left : left + width])
