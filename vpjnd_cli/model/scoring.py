"""Batched patch scoring, whatever runs the network: P(perceptually lossless) for many candidates of
one picture.

``prepare`` cuts the picture's patch grid and runs the reference and JND streams once per picture;
``probabilities`` then runs only the distorted stream and the heads per candidate, one candidate
per call of the heads: a call's shape then never depends on which candidates share a block, nor
do its sums (a block of 5 candidates gave other last bits than the same candidates alone). The
streams take at most ``max_patches_per_chunk`` patches per call, which bounds memory whatever the
patch count. With the config's ``flip_average`` every step
runs on the patches and on their mirror images, and the logits of both views are averaged; with
its ``orient_patches`` each patch enters in the orientation its reference patch chooses
(``leaning_right``), the same one for every candidate. A
subclass runs the network: torch (model/inference.py, for training and GPUs) or its ONNX graph on
the CPU (model/graph.py).

``score_requests`` answers blocks that other processes cut into patches (a judge server, a Ray
actor; model/served.py) with the very answers ``probabilities`` gives them in one process. A
scorer whose streams take batches of one fixed shape (``fixed_batch``: torch on a GPU pads every
call to ``max_patches_per_chunk`` patches) runs the patches of all the blocks through its streams
together, since a patch's features then do not depend on the others in its batch; any other
scorer runs each block with the calls ``probabilities`` makes. The heads run per candidate in both
cases and in both places.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
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
    flips: np.ndarray | None = None  # bool [P]: patches mirrored in the first view (orient_patches)


@dataclass(frozen=True)
class PatchRequest:
    """One block of candidates of one picture, cut into patches where the picture was decoded:
    the reference's and the JND map's patches ([P, C, S, S] uint8, [P, 1, S, S] float32) and the
    candidates' ([n * P, C, S, S] uint8, candidate-major)."""

    reference: np.ndarray
    jnd: np.ndarray
    candidates: np.ndarray

    @property
    def count(self) -> int:
        return len(self.candidates) // len(self.reference)

    @property
    def patches(self) -> int:
        return len(self.reference) + len(self.candidates)


class PatchScorer(ABC):
    """Scores compressed candidates against a prepared reference with one VP-JNDnet."""

    fixed_batch = False  # every call of the streams gets exactly max_patches_per_chunk patches (padded)

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
        grid = plan_reference(self.config, self.patches_per_picture, reference_rgb, jnd_map)
        jnd = jnd_map.astype(np.float32, copy=False)
        patches = grid.cut(reference_rgb)
        flips = self._flips(patches)
        return PreparedPicture(grid, self._views(patches, grid.cut(jnd), flips), flips)

    def probabilities(self, prepared: PreparedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """P(perceptually lossless) of each HxWx3 uint8 candidate, float64 [N]."""
        grid = prepared.grid
        check_candidates(grid, self.config.in_channels, candidates)
        if not candidates:
            return np.zeros(0)

        def f_dist(view: int, start: int, stop: int) -> Any:
            patches = np.concatenate([grid.cut(candidate) for candidate in candidates[start:stop]])
            return self._features("features", _view(patches, self.mirrored_views[view], prepared.flips))

        return self._score(prepared.views, f_dist, len(candidates), len(grid))

    def score_requests(self, requests: Sequence[PatchRequest]) -> list[np.ndarray]:
        """P per candidate of each request, as ``probabilities`` gives it for the same block in one
        process (module docstring)."""
        if not self.fixed_batch:
            return [self._score_alone(request) for request in requests]
        pixels = np.concatenate([part for request in requests for part in (request.reference, request.candidates)])
        jnd = np.concatenate([request.jnd for request in requests])
        pixel_flips = jnd_flips = None
        if self.config.orient_patches:  # each request's mask, for its reference and each candidate
            flips = [leaning_right(request.reference) for request in requests]
            pixel_flips = np.concatenate([np.tile(f, 1 + request.count)
                                          for f, request in zip(flips, requests, strict=True)])
            jnd_flips = np.concatenate(flips)
        streams = [(self._features("features", _view(pixels, mirrored, pixel_flips)),
                    self._features("jnd_features", _view(jnd, mirrored, jnd_flips)))
                   for mirrored in self.mirrored_views]
        answers, first = [], 0
        for index, request in enumerate(requests):
            p = len(request.reference)
            views = [(f_pixels[first : first + p], f_jnd[index * p : (index + 1) * p]) for f_pixels, f_jnd in streams]
            row = first + p  # of the request's first candidate patch

            def f_dist(view: int, start: int, stop: int, row: int = row, p: int = p) -> Any:
                return streams[view][0][row + start * p : row + stop * p]

            answers.append(self._score(views, f_dist, request.count, p))
            first = row + len(request.candidates)
        return answers

    def _score_alone(self, request: PatchRequest) -> np.ndarray:
        """One request with the very calls ``prepare`` and ``probabilities`` make for its block."""
        p = len(request.reference)
        flips = self._flips(request.reference)

        def f_dist(view: int, start: int, stop: int) -> Any:
            return self._features("features", _view(request.candidates[start * p : stop * p],
                                                    self.mirrored_views[view], flips))

        return self._score(self._views(request.reference, request.jnd, flips), f_dist, request.count, p)

    def _score(self, views: list[tuple[Any, Any]], f_dist: Callable[[int, int, int], Any], count: int,
               per_picture: int) -> np.ndarray:
        """P of ``count`` candidates of one picture: per view, the heads on each candidate
        (``f_dist(view, a, b)``: the features of candidates a to b in that view)."""
        logits = np.zeros(count, np.float32)
        step = max(1, self.max_patches_per_chunk // per_picture)  # whole candidates per stream call
        for view, (f_ref, f_jnd) in enumerate(views):
            for start in range(0, count, step):
                stop = min(start + step, count)
                features = f_dist(view, start, stop)
                for k in range(start, stop):
                    rows = features[(k - start) * per_picture : (k - start + 1) * per_picture]
                    logits[k : k + 1] += self._head(f_ref, rows, f_jnd)
        mean = logits.astype(np.float64) / len(self.mirrored_views)
        # rounded to float32, the network's precision: the last-bit noise of its sums, which differs
        # between batch shapes, then rounds away instead of showing in the answer
        return (1.0 / (1.0 + np.exp(-mean))).astype(np.float32).astype(np.float64)

    def _views(self, pixels: np.ndarray, jnd: np.ndarray, flips: np.ndarray | None) -> list[tuple[Any, Any]]:
        """The reference's and JND map's features per view."""
        return [(self._features("features", _view(pixels, mirrored, flips)),
                 self._features("jnd_features", _view(jnd, mirrored, flips))) for mirrored in self.mirrored_views]

    def _flips(self, reference_patches: np.ndarray) -> np.ndarray | None:
        """Which patches to mirror (``orient_patches``), None to take them as cut."""
        return leaning_right(reference_patches) if self.config.orient_patches else None

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


def _view(patches: np.ndarray, mirrored: bool, flips: np.ndarray | None = None) -> np.ndarray:
    """Patches [n, C, S, S], left-right mirrored when ``mirrored``; with ``flips`` (bool per patch,
    repeated to cover ``patches`` when they hold several candidates' grids), those patches the
    other way."""
    if flips is None:
        return np.ascontiguousarray(patches[..., ::-1]) if mirrored else patches
    mask = np.tile(flips, len(patches) // len(flips)) != mirrored
    out = patches.copy()
    out[mask] = patches[mask][..., ::-1]
    return out


def leaning_right(patches: np.ndarray) -> np.ndarray:
    """bool [n]: the patches [n, C, S, S] whose pixel values, summed over channels and rows, weigh
    more right of the centre than left of it (a positive horizontal first moment).

    Mirroring a patch negates its moment, in exact integer arithmetic, so mirroring these (and only
    these) gives a patch and its mirror image the same orientation; a moment of exactly 0 (a flat
    or symmetric patch) keeps the patch as cut.
    """
    size = patches.shape[-1]
    columns = patches.sum(axis=(1, 2), dtype=np.int64)  # [n, S]
    moments = columns @ (2 * np.arange(size, dtype=np.int64) - (size - 1))
    return moments > 0


def plan_reference(config: NetConfig, count: Count, reference_rgb: np.ndarray, jnd_map: np.ndarray) -> PatchGrid:
    """The patch grid of a reference, checked: HxWxC uint8 with an HxW JND map."""
    channels = config.in_channels
    if reference_rgb.dtype != np.uint8 or reference_rgb.ndim != 3 or reference_rgb.shape[2] != channels:
        raise ValueError(f"reference must be HxWx{channels} uint8, got {reference_rgb.dtype} {reference_rgb.shape}")
    if jnd_map.shape != reference_rgb.shape[:2]:
        raise ValueError(f"JND map is {jnd_map.shape}, the reference is {reference_rgb.shape[:2]}")
    height, width = jnd_map.shape
    return plan_grid(height, width, config.patch_size, count)


def check_candidates(grid: PatchGrid, channels: int, candidates: Sequence[np.ndarray]) -> None:
    """Candidates must be uint8 pictures of the reference's size."""
    shape = (grid.height, grid.width, channels)
    for candidate in candidates:
        if candidate.dtype != np.uint8 or candidate.shape != shape:
            raise ValueError(f"candidate is {candidate.dtype} {candidate.shape}, expected uint8 {shape}")
