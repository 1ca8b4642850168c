"""Training samples: (picture, ladder index, label) with seeded, aligned patch crops.

Per picture the reference, its JND map and the candidate at the ground-truth PW-JND (for the
visual-importance weight) are computed once and kept in memory; other candidates are decoded on
demand (the dataset encodes or reads them). Patch positions of a batch come from a generator
seeded by (seed, epoch, batch), so a resumed run cuts exactly the same patches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.model.patches import _pad as pad_edges
from vpjnd_cli.train.dataset import JndDataset, pwjnd_index


@dataclass(frozen=True)
class Sample:
    picture: str
    index: int
    label: float


@dataclass
class PictureData:
    reference: np.ndarray  # HxWx3 uint8
    jnd: np.ndarray  # HxW float32
    at_pwjnd: np.ndarray  # the candidate at the PW-JND (the reference when none passes)


@dataclass
class Batch:
    """Arrays [B, P, C, S, S]: reference, candidate and PW-JND patches (uint8), JND patches (float32)."""

    reference: np.ndarray
    candidate: np.ndarray
    at_pwjnd: np.ndarray
    jnd: np.ndarray
    labels: np.ndarray  # [B] float32


class SampleSource:
    """All labelled pairs of one split, and the batches cut from them."""

    def __init__(self, dataset: JndDataset, split: str, *, sur: float, jnd_model: str) -> None:
        self.dataset, self.sur, self.jnd_model = dataset, sur, jnd_model
        self.pictures = [p.id for p in dataset.split(split)]
        self.samples = [
            Sample(picture, index, label)
            for picture in self.pictures
            for index, label in sorted(dataset.labels(picture).items())
        ]
        self._data: dict[str, PictureData] = {}

    def picture(self, name: str) -> PictureData:
        if name not in self._data:
            reference = self.dataset.reference(name)
            index = pwjnd_index(self.dataset.labels(name), self.sur)
            at = reference if index is None else self.dataset.candidate(name, index)
            self._data[name] = PictureData(reference, jnd_map(reference, self.jnd_model), at)
        return self._data[name]

    def batch(self, samples: list[Sample], patches: int, size: int, rng: np.random.Generator) -> Batch:
        parts: dict[str, list[np.ndarray]] = {"reference": [], "candidate": [], "at_pwjnd": [], "jnd": []}
        for sample in samples:
            data = self.picture(sample.picture)
            candidate = self.dataset.candidate(sample.picture, sample.index)
            height, width = data.jnd.shape
            ys = rng.integers(0, max(1, height - size + 1), patches)
            xs = rng.integers(0, max(1, width - size + 1), patches)
            for key, picture in (("reference", data.reference), ("candidate", candidate),
                                 ("at_pwjnd", data.at_pwjnd), ("jnd", data.jnd)):
                parts[key].append(_crops(picture, ys, xs, size))
        labels = np.array([s.label for s in samples], dtype=np.float32)
        return Batch(**{k: np.stack(v) for k, v in parts.items()}, labels=labels)


def _crops(picture: np.ndarray, ys: np.ndarray, xs: np.ndarray, size: int) -> np.ndarray:
    """[P, C, S, S] crops at (ys, xs); an HxW map gets C = 1. Pictures smaller than S are edge-padded
    as at inference (model/patches.py)."""
    planes = pad_edges(picture if picture.ndim == 3 else picture[:, :, None], size)
    crops = np.stack([planes[y : y + size, x : x + size] for y, x in zip(ys, xs, strict=True)])
    return np.ascontiguousarray(crops.transpose(0, 3, 1, 2))
