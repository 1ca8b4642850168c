"""Batched patch scoring, whatever runs the network: P(perceptually lossless) for many candidates of
one picture.

``prepare`` cuts the picture's patch grid and runs the reference and JND streams once per picture;
``probabilities`` then runs only the distorted stream and the heads per candidate, a few whole
candidates per call of the heads. The streams take at most ``max_patches_per_chunk`` patches per
call, which bounds memory whatever the patch count. With the config's ``flip_average`` every step
runs on the patches and on their mirror images, and the logits of both views are averaged. A
subclass runs the network: torch (model/inference.py, for training and GPUs) or its ONNX graph on
the CPU (model/graph.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.patches import Count, PatchGrid, plan_grid

Stream = Literal["features", "jnd_features"]  # the network's image and JND streams
DEFAULT_MAX_PATCHES_PER_CHUNK = 64  # a few hundred MB of float32 activations at 128 px (the paper variant)


@dataclass(frozen=True)
class PreparedPicture:
    """The patch grid of one reference picture and, per view (the patches, and their mirror images
    when the config averages over flips), the features of its reference and JND streams."""

    grid: PatchGrid
    views: list[tuple[Any, Any]]  # (reference features, JND features) [P, F] per view


class PatchScorer(ABC):
    """Scores compressed candidates against a prepared reference with one VP-JNDnet."""

    def __init__(self, config: NetConfig, *, max_patches_per_chunk: int = DEFAULT_MAX_PATCHES_PER_CHUNK,
                 patches_per_picture: Count | None = None) -> None:
        """``max_patches_per_chunk`` bounds the patches of one network call (whole candidates are
        grouped up to it); ``patches_per_picture`` overrides the config (an int or "cover")."""
        if max_patches_per_chunk < 1:
            raise ValueError("max_patches_per_chunk must be at least 1")
        self.config = config
        self.max_patches_per_chunk = max_patches_per_chunk
        self.patches_per_picture = config.patches_per_picture if patches_per_picture is None else patches_per_picture
        self.mirrored_views = (False, True) if config.flip_average else (False,)

    def prepare(self, reference_rgb: np.ndarray, jnd_map: np.ndarray) -> PreparedPicture:
        """Cut the patch grid of a HxWx3 uint8 reference and its HxW JND map (grey levels) and run
        their streams once."""
        channels = self.config.in_channels
        if reference_rgb.dtype != np.uint8 or reference_rgb.ndim != 3 or reference_rgb.shape[2] != channels:
            got = f"{reference_rgb.dtype} {reference_rgb.shape}"
            raise ValueError(f"reference must be HxWx{channels} uint8, got {got}")
        if jnd_map.shape != reference_rgb.shape[:2]:
            raise ValueError(f"JND map is {jnd_map.shape}, the reference is {reference_rgb.shape[:2]}")
        height, width = jnd_map.shape
        grid = plan_grid(height, width, self.config.patch_size, self.patches_per_picture)
        pixels, jnd = grid.cut(reference_rgb), grid.cut(jnd_map.astype(np.float32, copy=False))
        views = [(self._features("features", _view(pixels, mirrored)),
                  self._features("jnd_features", _view(jnd, mirrored))) for mirrored in self.mirrored_views]
        return PreparedPicture(grid, views)

    def probabilities(self, prepared: PreparedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """P(perceptually lossless) of each HxWx3 uint8 candidate, float64 [N]."""
        grid = prepared.grid
        shape = (grid.height, grid.width, self.config.in_channels)
        for candidate in candidates:
            if candidate.dtype != np.uint8 or candidate.shape != shape:
                raise ValueError(f"candidate is {candidate.dtype} {candidate.shape}, expected uint8 {shape}")
        if not candidates:
            return np.zeros(0)
        step = max(1, self.max_patches_per_chunk // len(grid))  # whole candidates per call of the heads
        logits = np.zeros(len(candidates), np.float32)
        for start in range(0, len(candidates), step):
            patches = np.concatenate([grid.cut(candidate) for candidate in candidates[start : start + step]])
            for mirrored, (f_ref, f_jnd) in zip(self.mirrored_views, prepared.views, strict=True):
                f_dist = self._features("features", _view(patches, mirrored))
                logits[start : start + step] += self._head(f_ref, f_dist, f_jnd)
        mean = logits.astype(np.float64) / len(self.mirrored_views)
        # rounded to float32, the network's precision: the last-bit noise of its sums, which differs
        # between batch shapes, then rounds away instead of showing in the answer
        return (1.0 / (1.0 + np.exp(-mean))).astype(np.float32).astype(np.float64)

    def _chunks(self, patches: np.ndarray) -> Iterator[np.ndarray]:
        """``patches`` [n, ...] in runs of at most ``max_patches_per_chunk``."""
        for start in range(0, len(patches), self.max_patches_per_chunk):
            yield patches[start : start + self.max_patches_per_chunk]

    @abstractmethod
    def _features(self, stream: Stream, patches: np.ndarray) -> Any:
        """Features [n, F] of patches [n, C, S, S] by one of the network's streams: pixels (uint8)
        through the image stream, JND maps (float32 grey levels) through the JND stream."""

    @abstractmethod
    def _head(self, f_ref: Any, f_dist: Any, f_jnd: Any) -> np.ndarray:
        """Logits [N] of N candidates from their patches' features ``f_dist`` [N * P, F]
        (candidate-major) and the reference's and JND map's [P, F] (from ``_features``)."""


def _view(patches: np.ndarray, mirrored: bool) -> np.ndarray:
    """Patches [n, C, S, S], left-right mirrored when ``mirrored``."""
    return np.ascontiguousarray(patches[..., ::-1]) if mirrored else patches
