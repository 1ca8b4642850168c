"""Maps of grey-level values (JND thresholds, errors) as viewable 8-bit pictures."""

from __future__ import annotations

from functools import cache

import numpy as np


def scale_to_8bit(values: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """``low``..``high`` (default: this map's min..max, the usual way to view a JND map) to
    0..255, clipped; an empty range gives zeros."""
    low = float(values.min()) if low is None else low
    high = float(values.max()) if high is None else high
    if not high > low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (values.astype(np.float64) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


@cache
def turbo() -> np.ndarray:
    """The turbo colour map (blue low, red high) as 256 RGB entries, e.g. a PNG palette."""
    import cv2

    ramp = np.arange(256, dtype=np.uint8).reshape(256, 1)
    return cv2.applyColorMap(ramp, cv2.COLORMAP_TURBO)[:, 0, ::-1].copy()


def heat_map(values: np.ndarray, low: float | None = None, high: float | None = None) -> np.ndarray:
    """HxWx3 RGB turbo colours of ``values`` scaled as in scale_to_8bit."""
    return turbo()[scale_to_8bit(values, low, high)]
