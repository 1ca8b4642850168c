"""The VP-JNDnet judge: the trained network, patches batched per block of candidates."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from vpjnd_cli.errors import ToolMissingError
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.model.inference import PatchJudge, PreparedPicture
from vpjnd_cli.model.locate import require_weights


class NetworkJudge(Judge):
    """Loads the weights once (``--weights`` or the installed model; exit 3 when there are none)."""

    name = "vpjndnet"

    def __init__(self, weights: Path | None = None, *, device: str = "auto") -> None:
        path = require_weights(weights)
        if not path.is_file():
            raise ToolMissingError(f"VP-JNDnet weights file not found: {path}; use --judge pjnd or --weights PATH")
        self.scorer = PatchJudge.from_weights(path, device=device)

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> PreparedPicture:
        return self.scorer.prepare(reference, jnd_map)

    def probabilities(self, prepared: PreparedPicture, candidates: Sequence[np.ndarray]) -> np.ndarray:
        return self.scorer.probabilities(prepared, candidates)
