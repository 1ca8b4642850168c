"""Batched patch inference: P(perceptually lossless) for many candidates of one picture.

One ``PatchJudge`` per process holds the model. ``prepare`` runs the reference and JND streams once
per picture; ``probabilities`` then runs only the distorted stream and the heads per candidate.
Patches go through the network in chunks of at most ``max_patches_per_chunk`` to bound memory;
on CPU the answer is bit-identical whatever the chunk size: every fully connected map is a per-sample
GEMM (network.py) and oneDNN computes a convolution the same way for any batch size, at the patch sizes
of both variants (tests/model/test_variants.py). One exception was found: with flip averaging, chunks of
a single patch of a picture only one patch high differ in the last bits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from vpjnd_cli.model.device import autocast_dtype, resolve_device
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.patches import Count, PatchGrid, iter_patch_chunks, plan_grid
from vpjnd_cli.model.weights import load_model

DEFAULT_MAX_PATCHES_PER_CHUNK = 64  # a few hundred MB of float32 activations at 128 px (the paper variant)


@dataclass(frozen=True)
class PreparedPicture:
    """The patch grid of one reference picture and its reference and JND features (on the device),
    one pair per view: the patches, and their mirror images when the config averages over flips."""

    grid: PatchGrid
    f_ref: list[Tensor]  # per view [P, F]
    f_jnd: list[Tensor]  # per view [P, F]


class PatchJudge:
    """Scores compressed candidates against a prepared reference with one VP-JNDnet."""

    def __init__(
        self,
        model: VPJNDNet,
        device: torch.device | str = "auto",
        *,
        half: bool = True,
        max_patches_per_chunk: int = DEFAULT_MAX_PATCHES_PER_CHUNK,
        patches_per_picture: Count | None = None,
    ) -> None:
        """``half`` allows bfloat16 autocast where device.autocast_dtype finds it safe (never on CPU);
        ``patches_per_picture`` overrides the config (an int or "cover")."""
        if max_patches_per_chunk < 1:
            raise ValueError("max_patches_per_chunk must be at least 1")
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.model = model.to(self.device).eval()
        self.dtype = autocast_dtype(self.device) if half else None
        self.max_patches_per_chunk = max_patches_per_chunk
        self.patches_per_picture = (
            model.config.patches_per_picture if patches_per_picture is None else patches_per_picture
        )
        self.views = (False, True) if model.config.flip_average else (False,)  # mirrored or not

    @classmethod
    def from_weights(cls, path: Path, device: str = "auto", **options: Any) -> PatchJudge:
        """Load a weights file (InputError when foreign or unreadable) and wrap it."""
        target = resolve_device(device)
        return cls(load_model(path, target), target, **options)

    @torch.inference_mode()
    def prepare(self, reference_rgb: np.ndarray, jnd_map: np.ndarray) -> PreparedPicture:
        """Cut the patch grid of a HxWx3 uint8 reference and its HxW JND map (grey levels) and run
        their streams once."""
        channels = self.model.config.in_channels
        if reference_rgb.dtype != np.uint8 or reference_rgb.ndim != 3 or reference_rgb.shape[2] != channels:
            got = f"{reference_rgb.dtype} {reference_rgb.shape}"
            raise ValueError(f"reference must be HxWx{channels} uint8, got {got}")
        if jnd_map.shape != reference_rgb.shape[:2]:
            raise ValueError(f"JND map is {jnd_map.shape}, the reference is {reference_rgb.shape[:2]}")
        height, width = jnd_map.shape
        grid = plan_grid(height, width, self.model.config.patch_size, self.patches_per_picture)
        jnd = jnd_map.astype(np.float32, copy=False)
        f_ref = [self._stream(self.model.features, [reference_rgb], grid, mirrored) for mirrored in self.views]
        f_jnd = [self._stream(self.model.jnd_features, [jnd], grid, mirrored) for mirrored in self.views]
        return PreparedPicture(grid, f_ref, f_jnd)

    @torch.inference_mode()
    def probabilities(self, prepared: PreparedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """P(perceptually lossless) of each HxWx3 uint8 candidate, float64 [N]."""
        shape = (prepared.grid.height, prepared.grid.width, self.model.config.in_channels)
        for candidate in candidates:
            if candidate.dtype != np.uint8 or candidate.shape != shape:
                raise ValueError(f"candidate is {candidate.dtype} {candidate.shape}, expected uint8 {shape}")
        if not candidates:
            return np.zeros(0)
        per_picture = len(prepared.grid)
        step = max(1, self.max_patches_per_chunk // per_picture)  # whole candidates per head call
        logits = []
        for view, mirrored in enumerate(self.views):
            f_dist = self._stream(self.model.features, candidates, prepared.grid, mirrored)
            f_dist = f_dist.view(len(candidates), per_picture, -1)
            with self._autocast():
                logits.append(torch.cat([
                    self.model.head(prepared.f_ref[view], f_dist[i : i + step], prepared.f_jnd[view])
                    for i in range(0, len(candidates), step)
                ]))
        return torch.sigmoid(torch.stack(logits).mean(0)).double().cpu().numpy()

    def _stream(
        self, extract: Callable[[Tensor], Tensor], pictures: Sequence[np.ndarray], grid: PatchGrid, mirrored: bool
    ) -> Tensor:
        """Features [len(pictures) * P, F] (float32, on the device) of the patches of ``pictures``
        (left-right mirrored when ``mirrored``)."""
        chunks = []
        with self._autocast():
            for patches in iter_patch_chunks(pictures, grid, self.max_patches_per_chunk):
                batch = torch.from_numpy(patches).to(self.device)
                chunks.append(extract(torch.flip(batch, dims=(3,)) if mirrored else batch).float())
        return torch.cat(chunks)

    def _autocast(self) -> Any:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)
