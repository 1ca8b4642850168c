"""The network run by torch, on any device (model/scoring.py has the batching and the views).

For training, GPUs, and weights files without their ONNX graph. Patches go through the extractor in
chunks of at most ``max_patches_per_chunk`` to bound memory; on CPU the answer does not depend on
the chunk size beyond float32 rounding: every fully connected map is a per-sample GEMM (network.py)
and oneDNN computes a convolution the same way for most batch sizes. Exceptions found: a chunk of a
single 64 px patch (the small variant) and, with flip averaging, chunks of a single patch of a
picture only one patch high differ in the last bits of a feature (tests/model/test_variants.py).

On an accelerator, whose kernels may change with the batch size, every call of a stream gets exactly
``max_patches_per_chunk`` patches (the last chunk padded with zeros) and cuDNN its deterministic
algorithms: a patch's features then do not depend on the others in its batch (``fixed_batch``,
model/scoring.py), which lets a judge server batch the blocks of many workers.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from vpjnd_cli.model.device import autocast_dtype, resolve_device
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.scoring import PatchScorer, PreparedPicture, Stream
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
        self.fixed_batch = self.device.type != "cpu"
        if self.device.type == "cuda":  # one convolution algorithm per shape, chosen the same way every run
            torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = False, True

    @classmethod
    def from_weights(cls, path: Path, device: torch.device | str = "auto", **options: Any) -> PatchJudge:
        """Load a weights file (InputError when foreign or unreadable) and wrap it."""
        target = resolve_device(device) if isinstance(device, str) else device
        return cls(load_model(path, target), target, **options)

    @torch.inference_mode()
    def _features(self, stream: Stream, patches: np.ndarray) -> Tensor:
        """float32, on the device."""
        extract = self.model.features if stream == "features" else self.model.jnd_features
        out = []
        with self._autocast():
            for chunk in self._chunks(patches):
                batch = torch.from_numpy(chunk).to(self.device)
                if self.fixed_batch and len(batch) < self.max_patches_per_chunk:
                    padding = batch.new_zeros((self.max_patches_per_chunk - len(batch), *batch.shape[1:]))
                    batch = torch.cat([batch, padding])
                out.append(extract(batch)[: len(chunk)].float())
        return torch.cat(out)

    @torch.inference_mode()
    def _head(self, f_ref: Tensor, f_dist: Tensor, f_jnd: Tensor) -> np.ndarray:
        with self._autocast():
            logits = self.model.head(f_ref, f_dist.view(-1, *f_ref.shape), f_jnd)
        return logits.float().cpu().numpy()

    def _autocast(self) -> Any:
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)
