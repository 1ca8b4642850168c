"""The weight-free judge: a picture rule on the pixel-wise JND map ("PJND" in the paper).

A pixel's error is visible when |Y_ref - Y_cand| > s x JND (BT.601 luma). The share of such
pixels is turned into P(no visible difference) by a Weibull psychometric function,
P = exp(-(share / theta) ** beta), so that the target satisfied-user ratio selects the share a
candidate may reach: tau(sur) = theta * (-ln sur) ** (1 / beta). s, theta and beta are fitted by
``scripts/calibrate_pjnd.py`` to the MCL-JCI statistics (README, "Judges") and stored in
``pjnd_params.json`` beside this module (package data). Chroma errors are not seen by this rule.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

from vpjnd_cli.imageio.colour import BT601
from vpjnd_cli.judges.base import Judge

PARAMS_FILE = "pjnd_params.json"  # in this package
_BT601_ROW = BT601.astype(np.float32).reshape(1, 3)


@dataclass(frozen=True)
class PjndParams:
    """s (JND multiplier), and the Weibull scale theta and shape beta of the share."""

    scale: float
    theta: float
    beta: float

    def probability(self, share: np.ndarray | float) -> np.ndarray:
        return np.exp(-np.power(np.asarray(share, dtype=np.float64) / self.theta, self.beta))

    def share_threshold(self, sur: float) -> float:
        """tau: the largest share of visible pixels that still reaches ``sur``."""
        return self.theta * (-math.log(sur)) ** (1.0 / self.beta)

    @classmethod
    def shipped(cls) -> PjndParams:
        fitted = json.loads(resources.files("vpjnd_cli.judges").joinpath(PARAMS_FILE).read_text(encoding="utf-8"))
        return cls(scale=fitted["scale"], theta=fitted["theta"], beta=fitted["beta"])


def luma(picture: np.ndarray) -> np.ndarray:
    """BT.601 luma as float32, through OpenCV (4x faster than the exact float64 luma_bt601)."""
    if picture.ndim == 2:
        return picture.astype(np.float32)
    return cv2.transform(picture.astype(np.float32), _BT601_ROW)


def visible_share(reference_luma: np.ndarray, threshold: np.ndarray, candidate: np.ndarray) -> float:
    """Share of pixels whose luma error exceeds their threshold (s x JND)."""
    error = cv2.absdiff(luma(candidate), reference_luma)
    return cv2.countNonZero(cv2.compare(error, threshold, cv2.CMP_GT)) / error.size


class PjndJudge(Judge):
    """Share of visibly changed pixels against the JND map, as a probability."""

    name = "pjnd"

    def __init__(self, params: PjndParams | None = None) -> None:
        self.params = params or PjndParams.shipped()

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return luma(reference), (self.params.scale * jnd_map).astype(np.float32)

    def probabilities(self, prepared: tuple[np.ndarray, np.ndarray], candidates: Sequence[np.ndarray]) -> np.ndarray:
        reference_luma, threshold = prepared
        shares = [visible_share(reference_luma, threshold, candidate) for candidate in candidates]
        return self.params.probability(np.array(shares))
