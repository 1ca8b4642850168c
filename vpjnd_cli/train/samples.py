"""Training samples: (picture, ladder index, label), grouped by picture, with seeded aligned patches.

A step takes groups of up to ``levels`` samples of one picture. The group shares its patch
positions, so the reference and JND streams run once per group, not once per sample (about half
the work of a step at 4 levels), and the network sees several levels of one picture side by side.

Per reference (shared by a picture's codecs in a mixed corpus) the pixels and the JND map are
computed once and kept in memory; candidates, the one at the ground-truth PW-JND (for the
visual-importance weight) among them, are decoded on demand and kept in a cache bounded in bytes
(decoding a 1920x1080 JPEG costs about as much as a third of a step). The epoch's groups and every
batch's patch positions come from generators seeded by (seed, epoch) and (seed, epoch, batch), so a
resumed run cuts exactly the same patches.

With a ``peak`` statistic, each sample also carries ln(luma peak) of its whole candidate
(model/peak.py), computed once per pair from the candidate the patches are cut from.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.model.patches import _pad as pad_edges
from vpjnd_cli.model.peak import LumaPeak, log_peak
from vpjnd_cli.train.dataset import JndDataset, pwjnd_index


@dataclass(frozen=True)
class Sample:
    picture: str
    index: int
    label: float


@dataclass(frozen=True)
class Group:
    """Samples of one picture that share the patch positions of a step."""

    picture: str
    samples: tuple[Sample, ...]


@dataclass
class ReferenceData:
    pixels: np.ndarray  # HxWx3 uint8
    jnd: np.ndarray  # HxW float32
    luma: np.ndarray | None  # the luma for the peak, when the source measures it


@dataclass
class Batch:
    """Per group [G, P, C, S, S]: reference, PW-JND candidate (uint8) and JND patches (float32);
    per sample [N, P, C, S, S]: candidate patches; ``owner`` [N] maps each sample to its group and
    ``index`` [N] gives its ladder index (larger: more distorted)."""

    reference: np.ndarray
    at_pwjnd: np.ndarray
    jnd: np.ndarray
    candidate: np.ndarray
    owner: np.ndarray  # int64
    labels: np.ndarray  # [N] float32
    index: np.ndarray  # [N] int64
    log_peak: np.ndarray | None = None  # [N] float32 ln(luma peak), when the source measures it


def default_cache_bytes() -> int:
    """A quarter of the machine's memory (2 GiB where it cannot be read)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    except (ValueError, OSError, AttributeError):
        return 2 << 30


class SampleSource:
    """All labelled pairs of one split, and the batches cut from them."""

    def __init__(self, dataset: JndDataset, split: str, *, sur: float, jnd_model: str,
                 cache_bytes: int | None = None, peak: LumaPeak | None = None) -> None:
        self.dataset, self.sur, self.jnd_model, self.peak = dataset, sur, jnd_model, peak
        self.pictures = [p.id for p in dataset.split(split)]
        self._by_picture = {
            picture: [Sample(picture, index, label) for index, label in sorted(dataset.labels(picture).items())]
            for picture in self.pictures
        }
        self.samples = [sample for picture in self.pictures for sample in self._by_picture[picture]]
        self._references: dict[str, ReferenceData] = {}
        self._pwjnd = {picture: pwjnd_index(dataset.labels(picture), sur) for picture in self.pictures}
        self._log_peaks: dict[tuple[str, int], float] = {}
        self._candidates: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._cache_budget = default_cache_bytes() if cache_bytes is None else cache_bytes
        self._cached_bytes = 0

    def groups(self, levels: int, rng: np.random.Generator) -> list[Group]:
        """One epoch: each picture's samples shuffled and cut in groups of ``levels``, groups shuffled."""
        out = []
        for picture in self.pictures:
            own = [self._by_picture[picture][i] for i in rng.permutation(len(self._by_picture[picture]))]
            out += [Group(picture, tuple(own[i : i + levels])) for i in range(0, len(own), levels)]
        return [out[i] for i in rng.permutation(len(out))]

    def reference(self, picture: str) -> ReferenceData:
        key = self.dataset.reference_key(picture)
        if key not in self._references:
            pixels = self.dataset.reference(picture)
            luma = None if self.peak is None else self.peak.reference(pixels)
            self._references[key] = ReferenceData(pixels, jnd_map(pixels, self.jnd_model), luma)
        return self._references[key]

    def at_pwjnd(self, picture: str) -> np.ndarray:
        """The candidate at the picture's ground-truth PW-JND (the reference when none passes)."""
        index = self._pwjnd[picture]
        return self.reference(picture).pixels if index is None else self.candidate(picture, index)

    def candidate(self, picture: str, index: int) -> np.ndarray:
        """The decoded candidate, from the cache when it is there (least recently used goes first)."""
        key = (picture, index)
        if key in self._candidates:
            self._candidates.move_to_end(key)
            return self._candidates[key]
        pixels = self.dataset.candidate(picture, index)
        if pixels.nbytes <= self._cache_budget:
            while self._cached_bytes + pixels.nbytes > self._cache_budget:
                self._cached_bytes -= self._candidates.popitem(last=False)[1].nbytes
            self._candidates[key] = pixels
            self._cached_bytes += pixels.nbytes
        return pixels

    def batch(self, groups: list[Group], patches: int, size: int, rng: np.random.Generator, *,
              flips: bool = False) -> Batch:
        """``flips``: each patch position is also left-right mirrored with probability 1/2, in every
        plane of its group alike (the judge may average over mirror images at inference)."""
        parts: dict[str, list[np.ndarray]] = {"reference": [], "at_pwjnd": [], "jnd": [], "candidate": []}
        owner, log_peaks = [], []
        for number, group in enumerate(groups):
            data = self.reference(group.picture)
            height, width = data.jnd.shape
            ys = rng.integers(0, max(1, height - size + 1), patches)
            xs = rng.integers(0, max(1, width - size + 1), patches)
            mirrored = rng.random(patches) < 0.5 if flips else None
            planes = (("reference", data.pixels), ("at_pwjnd", self.at_pwjnd(group.picture)), ("jnd", data.jnd))
            for key, picture in planes:
                parts[key].append(_crops(picture, ys, xs, size, mirrored))
            for sample in group.samples:
                candidate = self.candidate(group.picture, sample.index)
                parts["candidate"].append(_crops(candidate, ys, xs, size, mirrored))
                owner.append(number)
                if self.peak is not None:
                    log_peaks.append(self._log_peak(group.picture, sample.index, data, candidate))
        labels = np.array([s.label for g in groups for s in g.samples], dtype=np.float32)
        index = np.array([s.index for g in groups for s in g.samples], dtype=np.int64)
        return Batch(**{k: np.stack(v) for k, v in parts.items()}, owner=np.array(owner, dtype=np.int64),
                     labels=labels, index=index,
                     log_peak=np.array(log_peaks, dtype=np.float32) if self.peak is not None else None)

    def _log_peak(self, picture: str, index: int, data: ReferenceData, candidate: np.ndarray) -> float:
        """ln(peak) of one pair, measured once per run (the candidate cache may not keep the pixels)."""
        key = (picture, index)
        if key not in self._log_peaks:
            assert self.peak is not None and data.luma is not None
            self._log_peaks[key] = float(log_peak(self.peak.peaks(data.luma, [candidate]))[0])
        return self._log_peaks[key]


def _crops(picture: np.ndarray, ys: np.ndarray, xs: np.ndarray, size: int,
           mirrored: np.ndarray | None = None) -> np.ndarray:
    """[P, C, S, S] crops at (ys, xs), those of ``mirrored`` left-right flipped; an HxW map gets C = 1.
    Pictures smaller than S are edge-padded as at inference (model/patches.py)."""
    planes = pad_edges(picture if picture.ndim == 3 else picture[:, :, None], size)
    crops = np.stack([planes[y : y + size, x : x + size] for y, x in zip(ys, xs, strict=True)])
    if mirrored is not None:
        crops[mirrored] = crops[mirrored, :, ::-1]
    return np.ascontiguousarray(crops.transpose(0, 3, 1, 2))
