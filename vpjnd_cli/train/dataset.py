"""One interface over every labelled JND set: pictures, the ladder, labels per (picture, level).

A label is P(no visible difference) of the candidate at a ladder index against its reference:
the satisfied-user ratio for human sets (MCL-JCI, KonJND-1k), the calibrated teacher for ours.
Ladder indices run from the least to the most distorted level, as in the search.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from vpjnd_cli.codecs.base import Level


@dataclass(frozen=True)
class PictureInfo:
    """One reference picture: ``source`` is the photo it came from (the unit of the split)."""

    id: str
    source: str
    split: str
    kind: str = "photo"  # or the kind of a generated hard picture (train/synthetic.py)


class JndDataset(ABC):
    """A labelled set; ``candidate`` decodes (or encodes) the picture at one ladder index."""

    layout: str  # "mcl-jci", "konjnd-1k" or "corpus"
    codec_name: str

    @abstractmethod
    def ladder(self) -> list[Level]:
        """Levels from the least to the most distorted (the search's order)."""

    @abstractmethod
    def pictures(self) -> list[PictureInfo]:
        """Every picture, sorted by id."""

    @abstractmethod
    def reference(self, picture: str) -> np.ndarray:
        """The pristine HxWx3 uint8 picture."""

    @abstractmethod
    def labels(self, picture: str) -> dict[int, float]:
        """Ladder index -> P(no visible difference), for the labelled levels."""

    @abstractmethod
    def candidate(self, picture: str, index: int) -> np.ndarray:
        """The decoded HxWx3 uint8 candidate at a ladder index."""

    @abstractmethod
    def size(self, picture: str, index: int) -> int | None:
        """Bytes of the candidate's file, or None when the set has no coded file (KonJND BPG PNGs)."""

    def distortion(self, picture: str, index: int, teacher: str) -> float | None:
        """The named teacher's labelled distortion at a ladder index, when the set has one."""
        return None

    @property
    def codecs(self) -> list[str]:
        """The codecs whose candidates the set holds (a weights file trained on it records them)."""
        return [self.codec_name]

    def codec_of(self, picture: str) -> str:
        """The codec of a picture's candidates."""
        return self.codec_name

    @property
    def criterion(self) -> str:
        """The criterion of "looks the same" its labels stand for (vpjnd_cli/criteria.py): human
        first-JND data is the paper's; our corpus says which calibration labelled it."""
        return "paper"

    def reference_key(self, picture: str) -> str:
        """The picture whose reference this one shares (a training loop computes each JND map once)."""
        return picture

    def split(self, name: str | None) -> list[PictureInfo]:
        """The pictures of one split ("train", "val", "test"), or all for None / "all"."""
        return [p for p in self.pictures() if name in (None, "all") or p.split == name]


def pwjnd_index(labels: dict[int, float], sur: float) -> int | None:
    """Ground-truth PW-JND: the most distorted ladder index of the passing run from the best level.

    Walking from the least distorted labelled level, the run ends at the first level below ``sur``;
    between its last passing and first failing labelled levels the crossing is interpolated
    linearly in probability (labels may sample every k-th level) and rounded down. None when even
    the least distorted labelled level fails.
    """
    indices = sorted(labels)
    previous = None
    for index in indices:
        if labels[index] < sur:
            if previous is None:
                return None
            p0, p1 = labels[previous], labels[index]
            fraction = (p0 - sur) / (p0 - p1)
            return previous + int(np.floor(fraction * (index - previous)))
        previous = index
    return previous
