"""EXIF orientation applied to pixel arrays, so every reader is handled the same way."""

from __future__ import annotations

import numpy as np

ORIENTATION_TAG = 0x0112


def apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Return the picture as a viewer shows it for EXIF orientation 1..8 (others: unchanged).

    Works on HxW and HxWxC arrays; 5..8 swap height and width.
    """
    transforms = {
        2: lambda a: a[:, ::-1],  # mirrored left-right
        3: lambda a: a[::-1, ::-1],  # rotated 180
        4: lambda a: a[::-1, :],  # mirrored top-bottom
        5: lambda a: a.swapaxes(0, 1),  # transposed
        6: lambda a: a[::-1, :].swapaxes(0, 1),  # rotated 90 clockwise
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),  # transversed
        8: lambda a: a[:, ::-1].swapaxes(0, 1),  # rotated 90 counter-clockwise
    }
    transform = transforms.get(orientation)
    return pixels if transform is None else np.ascontiguousarray(transform(pixels))
