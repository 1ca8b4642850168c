"""The judge interface: P(a viewer sees no difference) for compressed candidates of one picture."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np


class Judge(ABC):
    """Scores candidates against their reference.

    ``prepare`` does the per-picture work once (reference features, JND map scaling);
    ``probabilities`` then scores a whole block of candidates in one call, so that a network
    judge can batch them.
    """

    name: ClassVar[str]

    def jnd_map(self, picture: np.ndarray, model: str) -> np.ndarray:
        """The JND map ``prepare`` wants; a judge on a GPU computes it there."""
        from vpjnd_cli.jnd import jnd_map  # OpenCV: not on the way to `vpjnd --help`

        return jnd_map(picture, model)

    def for_codec(self, codec: str) -> Judge:
        """The judge for candidates of ``codec`` (a network file may hold a calibration per codec);
        what ``prepare`` returned serves it too."""
        return self

    @abstractmethod
    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> Any:
        """Per-picture state from the HxWx3 uint8 reference and its float32 JND map."""

    @abstractmethod
    def probabilities(self, prepared: Any, candidates: Sequence[np.ndarray]) -> np.ndarray:
        """P(no visible difference) in [0, 1] for each HxWx3 uint8 decoded candidate."""
