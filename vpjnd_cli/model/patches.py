"""A deterministic grid of square patches per picture, the same for every candidate of that picture.

Fixed positions make answers reproducible and let the reference and JND streams run once per picture.
Along each axis the n positions are evenly spaced from 0 to L - S and rounded (one patch is centred);
with at least ceil(L / S) positions per axis the spacing is at most S, so the grid covers every pixel.
A picture side shorter than S is padded at the bottom/right by repeating the edge pixels: the network
only sees real content and its border continued, never black bars.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Count = int | Literal["cover"]


@dataclass(frozen=True)
class PatchGrid:
    """Top-left corners (rows ys x columns xs) of size x size patches in a height x width picture."""

    height: int
    width: int
    size: int
    ys: tuple[int, ...]
    xs: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.ys) * len(self.xs)

    @property
    def positions(self) -> list[tuple[int, int]]:
        """(y, x) of every patch, row-major: the patch order of every stream."""
        return [(y, x) for y in self.ys for x in self.xs]

    def cut(self, picture: np.ndarray, indices: range | None = None) -> np.ndarray:
        """Patches [n, C, S, S] (dtype kept; an HxW map gets C = 1) of ``picture``.

        Only the patches are copied, so a 24 MP uint8 picture is never converted to float whole.
        """
        if picture.shape[:2] != (self.height, self.width):
            raise ValueError(f"picture is {picture.shape[:2]}, the grid was planned for {(self.height, self.width)}")
        padded = _pad(picture if picture.ndim == 3 else picture[:, :, None], self.size)
        positions = self.positions
        chosen = [positions[i] for i in (indices if indices is not None else range(len(positions)))]
        s = self.size
        patches = np.stack([padded[y : y + s, x : x + s] for y, x in chosen])
        return np.ascontiguousarray(patches.transpose(0, 3, 1, 2))


def plan_grid(height: int, width: int, size: int, count: Count) -> PatchGrid:
    """The grid of at most ``count`` patches (or the covering grid for "cover").

    With fewer patches than needed to cover, it picks rows x columns with the largest product
    <= count, ties broken by the shape closest to the picture's: deterministic by construction.
    """
    if height < 1 or width < 1 or size < 1:
        raise ValueError(f"need a non-empty picture and patch size, got {height}x{width}, size {size}")
    cover_y, cover_x = math.ceil(height / size), math.ceil(width / size)
    if count == "cover" or count >= cover_y * cover_x:
        rows, cols = cover_y, cover_x
    elif count < 1:
        raise ValueError(f"patch count must be at least 1, got {count}")
    else:
        rows, cols = _best_shape(cover_y, cover_x, count)
    return PatchGrid(height, width, size, _axis(height, size, rows), _axis(width, size, cols))


def _best_shape(cover_y: int, cover_x: int, count: int) -> tuple[int, int]:
    target = math.log(cover_x / cover_y)
    best: tuple[int, float] | None = None
    shape = (1, 1)
    for rows in range(1, min(cover_y, count) + 1):
        cols = min(cover_x, count // rows)
        score = (rows * cols, -abs(math.log(cols / rows) - target))
        if best is None or score > best:
            best, shape = score, (rows, cols)
    return shape


def _axis(length: int, size: int, n: int) -> tuple[int, ...]:
    """n positions from 0 to length - size, evenly spaced, rounded half up (integers only)."""
    span = max(length, size) - size
    if n == 1:
        return (span // 2,)
    return tuple((2 * i * span + n - 1) // (2 * (n - 1)) for i in range(n))


def _pad(picture: np.ndarray, size: int) -> np.ndarray:
    """Edge-replicate a side shorter than ``size`` (a view when nothing needs padding)."""
    pad_y, pad_x = max(0, size - picture.shape[0]), max(0, size - picture.shape[1])
    if not (pad_y or pad_x):
        return picture
    return np.pad(picture, ((0, pad_y), (0, pad_x), (0, 0)), mode="edge")
