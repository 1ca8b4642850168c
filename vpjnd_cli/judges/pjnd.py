"""The weight-free judge: a picture rule on the pixel-wise JND map ("PJND" in the paper), guarded
by the picture's worst spot.

A pixel's error is visible when |Y_ref - Y_cand| > s x JND (BT.601 luma). The share of such
pixels is turned into P(no visible difference) by a Weibull psychometric function,
P_share = exp(-(share / theta) ** beta). A share alone is diluted by flat areas: a product shot
on white whose object is blocky has few visible pixels. So the answer is also held under the
luma-error peak of the whole picture (model/peak.py, the statistic the network's judge uses),
P = P_share x exp(-(peak / peak_threshold) ** peak_exponent): one bad spot fails the picture.
s, theta, beta and the guard are fitted by ``scripts/calibrate_pjnd.py`` on a labelled corpus's
training pairs and stored in ``pjnd_params.json`` beside this module (package data). Chroma errors
are not seen by this rule.
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
from vpjnd_cli.model.peak import LumaPeak

PARAMS_FILE = "pjnd_params.json"  # in this package
_BT601_ROW = BT601.astype(np.float32).reshape(1, 3)


@dataclass(frozen=True)
class PjndParams:
    """s (JND multiplier), the Weibull scale theta and shape beta of the share, and the peak guard
    (its threshold and exponent; None: no guard)."""

    scale: float
    theta: float
    beta: float
    peak_threshold: float | None = None
    peak_exponent: float = 4.0

    def probability(self, share: np.ndarray | float, peak: np.ndarray | float | None = None) -> np.ndarray:
        p = np.exp(-np.power(np.asarray(share, dtype=np.float64) / self.theta, self.beta))
        if self.peak_threshold is None or peak is None:
            return p
        return p * np.exp(-np.power(np.asarray(peak, dtype=np.float64) / self.peak_threshold, self.peak_exponent))

    def share_threshold(self, sur: float) -> float:
        """tau: the largest share of visible pixels that still reaches ``sur`` (with no peak)."""
        return self.theta * (-math.log(sur)) ** (1.0 / self.beta)

    @classmethod
    def shipped(cls) -> PjndParams:
        return cls.from_json(resources.files("vpjnd_cli.judges").joinpath(PARAMS_FILE).read_text(encoding="utf-8"))

    @classmethod
    def from_json(cls, text: str) -> PjndParams:
        """Parameters as calibrate_pjnd.py writes them (a file without a guard has none)."""
        fitted = json.loads(text)
        return cls(scale=fitted["scale"], theta=fitted["theta"], beta=fitted["beta"],
                   peak_threshold=fitted.get("peak_threshold"), peak_exponent=fitted.get("peak_exponent", 4.0))


def luma(picture: np.ndarray) -> np.ndarray:
    """BT.601 luma as float32, through OpenCV (4x faster than the exact float64 luma_bt601)."""
    if picture.ndim == 2:
        return picture.astype(np.float32)
    return cv2.transform(picture.astype(np.float32), _BT601_ROW)


def visible_share(reference_luma: np.ndarray, threshold: np.ndarray, candidate: np.ndarray) -> float:
    """Share of pixels whose luma error exceeds their threshold (s x JND)."""
    error = cv2.absdiff(luma(candidate), reference_luma)
    return cv2.countNonZero(cv2.compare(error, threshold, cv2.CMP_GT)) / error.size


@dataclass(frozen=True)
class PreparedPjnd:
    luma: np.ndarray  # BT.601, for the share
    threshold: np.ndarray  # s x JND
    peak_luma: np.ndarray | None  # opsin luma for the peak, when the guard is on


class PjndJudge(Judge):
    """Share of visibly changed pixels against the JND map, as a probability, under the peak guard."""

    name = "pjnd"

    def __init__(self, params: PjndParams | None = None) -> None:
        self.params = params or PjndParams.shipped()
        self.peak = LumaPeak()

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> PreparedPjnd:
        guarded = self.params.peak_threshold is not None
        return PreparedPjnd(luma(reference), (self.params.scale * jnd_map).astype(np.float32),
                            self.peak.reference(reference) if guarded else None)

    def probabilities(self, prepared: PreparedPjnd, candidates: Sequence[np.ndarray]) -> np.ndarray:
        shares = np.array([visible_share(prepared.luma, prepared.threshold, candidate) for candidate in candidates])
        peaks = None if prepared.peak_luma is None else self.peak.peaks(prepared.peak_luma, candidates)
        return self.params.probability(shares, peaks)
