"""The network run by torch, on any device (model/scoring.py has the batching and the views).

For training, GPUs, and weights files without their ONNX graph. Patches go through the extractor in
chunks of at most ``max_patches_per_chunk`` to bound memory; on CPU the answer does not depend on
the chunk size beyond float32 rounding: every fully connected map is a per-sample GEMM (network.py)
and oneDNN computes a convolution the same way for most batch sizes. Exceptions found: a chunk of a
single 64 px patch (the small variant) and, with flip averaging, chunks of a single patch of a
picture only one patch high differ in the last bits of a feature (tests/model/test_variants.py).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from vpjnd_cli.model.device import autocast_dtype, resolve_device
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.scoring import PatchScorer, PreparedPicture
from vpjnd_cli.model.weights import load_model

__all__ = ["PatchJudge", "PreparedPicture"]


class PatchJudge(PatchScorer):
    """Scores compressed candidates against a prepared reference with one VP-JNDnet in torch."""

    def __init__(self, model: VPJNDNet, device: torch.device | str = "auto", *, half: bool = True,
                 **options: Any) -> None:
        """``half`` allows bfloat16 autocast where device.autocast_dtype finds it safe (never on CPU);
        ``options``: PatchScorer's."""
        super().__init__(model.config, **options)
        self.device = resolve_device(device) if isinstance(device, str) else device
        self.model = model.to(self.device).eval()
        self.dtype = autocast_dtype(self.device) if half else None

    @classmethod
    def from_weights(cls, path: Path, device: torch.device | str = "auto", **options: Any) -> PatchJudge:
        """Load a weights file (InputError when foreign or unreadable) and wrap it."""
        target = resolve_device(device) if isinstance(device, str) else device
        return cls(load_model(path, target), target, **options)

    @torch.inference_mode()
    def _reference(self, pixels: np.ndarray, jnd: np.ndarray) -> tuple[Tensor, Tensor]:
        return self._stream(self.model.features, pixels), self._stream(self.model.jnd_features, jnd)

    @torch.inference_mode()
    def _logits(self, pixels: np.ndarray, reference: tuple[Tensor, Tensor]) -> np.ndarray:
        f_ref, f_jnd = reference
        f_dist = self._stream(self.model.features, pixels)
        with self._autocast():
            logits = self.model.head(f_ref, f_dist.view(-1, *f_ref.shape), f_jnd)
        return logits.float().cpu().numpy()

    def _stream(self, extract: Callable[[Tensor], Tensor], patches: np.ndarray) -> Tensor:
        """Features [n, F] (float32, on the device) of patches [n, C, S, S], in chunks."""
        chunks = []
        with self._autocast():
            for start in range(0, len(patches), self.max_patches_per_chunk):
                batch = torch.from_numpy(patches[start : start + self.max_patches_per_chunk]).to(self.device)
                chunks.append(extract(batch).float())
        return torch.cat(chunks)

    def _autocast(self) -> Any:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)
