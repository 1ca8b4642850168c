"""The VP-JNDnet judge: the trained network, patches batched per block of candidates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from vpjnd_cli.errors import ToolMissingError
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.model.inference import PatchJudge, PreparedPicture
from vpjnd_cli.model.locate import require_weights
from vpjnd_cli.model.network import VPJNDNet


class NetworkJudge(Judge):
    """Loads the weights once (``--weights`` or the installed model; exit 3 when there are none)."""

    name = "vpjndnet"

    def __init__(self, weights: Path | None = None, *, device: str = "auto") -> None:
        path = require_weights(weights)
        if not path.is_file():
            raise ToolMissingError(f"VP-JNDnet weights file not found: {path}; use --judge pjnd or --weights PATH")
        self.scorer = PatchJudge.from_weights(path, device=device)

    @classmethod
    def from_model(cls, model: VPJNDNet, device: torch.device) -> NetworkJudge:
        """A judge over a network in memory (training validation), float32 for reproducibility."""
        judge = cls.__new__(cls)
        judge.scorer = PatchJudge(model, device, half=False)
        return judge

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> PreparedPicture:
        return self.scorer.prepare(reference, jnd_map)

    def probabilities(self, prepared: PreparedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        return self.scorer.probabilities(prepared, candidates)
