"""Scoring a judge on a labelled set: pair accuracy, PW-JND error, bit-rate saving, dPSNR.

Definitions (the paper publishes none, so these are ours; docs/design.md, "Evaluation"):
- pair accuracy ("precision"): over every labelled (picture, level), the judge's P >= sur agrees
  with label >= sur;
- the predicted level: the search compress/predict run (search.run_search, ``search``) over the
  whole ladder with the judge; the true level: dataset.pwjnd_index at the same sur;
- MAD: mean |setting_pred - setting_true| (JPEG: QF units); relative precision: 1 - mean(|dQ| / Q_true);
- bit-rate saving: (R_0 - R_pred) / R_0, R_0 the size at the least distorted level;
- dPSNR: PSNR(reference, candidate at the predicted level) - PSNR(reference, candidate at the true one).
A picture where no level passes (truth or prediction) counts as level 0, the least distorted.
With a teacher, each picture also gets the teacher's distortion at the predicted level (from the
labels when that level is labelled, else scored): what a user's file would score.

Pair accuracy, MAD and the mean predicted level come with 95 % bootstrap intervals over pictures
(2,000 seeded resamples): a held-out split of a few dozen pictures measures them loosely, and the
interval says how loosely before anyone compares two judges or checks a target.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

from vpjnd_cli.judges.base import Judge
from vpjnd_cli.search import run_search
from vpjnd_cli.train.dataset import JndDataset, PictureInfo, pwjnd_index
from vpjnd_cli.train.teachers import Teacher

KIND_FILTERS = ("all", "photo", "hard")  # "hard": every generated picture (train/synthetic.py)


@dataclass(frozen=True)
class PairScores:
    """Labels and the judge's probabilities over the labelled levels of some pictures."""

    labels: np.ndarray
    probabilities: np.ndarray

    def agreeing(self, sur: float) -> int:
        """Pairs where the judge's P >= sur agrees with label >= sur."""
        return int(np.sum((self.labels >= sur) == (self.probabilities >= sur)))

    def accuracy(self, sur: float) -> float:
        return self.agreeing(sur) / self.labels.size if self.labels.size else math.nan

    def bce(self) -> float:
        p = np.clip(self.probabilities, 1e-7, 1 - 1e-7)
        return float(-np.mean(self.labels * np.log(p) + (1 - self.labels) * np.log(1 - p)))


def pair_scores(dataset: JndDataset, judge: Judge, pictures: list[PictureInfo], jnd_model: str) -> PairScores:
    """The judge on every labelled (picture, level) of ``pictures`` (one batch per picture)."""
    found = [_picture_pairs(dataset, judge.for_codec(dataset.codec_of(info.id)),
                            _prepare(judge, dataset.reference(info.id), jnd_model), info.id)
             for info in pictures]
    return _concatenate(found)


def _prepare(judge: Judge, reference: np.ndarray, jnd_model: str) -> object:
    return judge.prepare(reference, judge.jnd_map(reference, jnd_model))


def _picture_pairs(dataset: JndDataset, judge: Judge, prepared: object, picture: str) -> PairScores:
    truth = dataset.labels(picture)
    indices = sorted(truth)
    candidates = [dataset.candidate(picture, i) for i in indices]
    return PairScores(np.array([truth[i] for i in indices]), np.asarray(judge.probabilities(prepared, candidates)))


def _concatenate(parts: list[PairScores]) -> PairScores:
    if not parts:
        return PairScores(np.zeros(0), np.zeros(0))
    return PairScores(np.concatenate([p.labels for p in parts]), np.concatenate([p.probabilities for p in parts]))


@dataclass(frozen=True)
class PictureResult:
    picture: str
    width: int
    height: int
    true_setting: int
    predicted_setting: int
    pair_accuracy: float
    saving: float | None
    delta_psnr: float
    kind: str = "photo"
    teacher_distortion: float | None = None  # the teacher's score of the predicted level's candidate
    pairs: int = 0  # labelled levels of the picture (its weight in the pair accuracy)
    evaluations: int = 0  # levels the search judged
    batches: int = 0  # the search's calls to the judge


@dataclass(frozen=True)
class Report:
    judge: str
    layout: str
    codec: str
    split: str
    sur: float
    pairs: int
    pair_accuracy: float
    mad: float
    relative_precision: float
    mean_true_setting: float
    mean_predicted_setting: float
    saving: float | None
    true_saving: float | None
    delta_psnr: float
    intervals: dict[str, tuple[float, float]]  # 95 % bootstrap over pictures, per measure above
    pictures: list[PictureResult]
    kind: str = "all"
    mean_teacher_distortion: float | None = None
    max_teacher_distortion: float | None = None
    search: str = "spread"
    criterion: str = "paper"  # the labels' (and so the judge's) criterion of "looks the same"

    @property
    def mean_evaluations(self) -> float:
        return float(np.mean([r.evaluations for r in self.pictures]))

    @property
    def mean_batches(self) -> float:
        return float(np.mean([r.batches for r in self.pictures]))

    def to_dict(self) -> dict:
        return {**asdict(self), "mean_evaluations": self.mean_evaluations, "mean_batches": self.mean_batches}


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return math.inf if mse == 0 else 10 * math.log10(255.0**2 / mse)


def evaluate(
    dataset: JndDataset,
    judge: Judge,
    judge_name: str,
    *,
    split: str,
    sur: float,
    block_size: int,
    jnd_model: str,
    kind: str = "all",
    search: str = "spread",
    teacher: Teacher | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Report:
    """Score ``judge`` on the pictures of ``split`` of ``kind`` (photos, generated hard pictures or
    all); with ``teacher``, also the teacher's distortion at every predicted level."""
    if kind not in KIND_FILTERS:
        raise ValueError(f"kind must be one of {', '.join(KIND_FILTERS)}, not {kind!r}")
    ladder = dataset.ladder()
    results, pair_sets = [], []
    true_savings: list[float | None] = []
    chosen = [info for info in dataset.split(split) if kind == "all" or (info.kind == "photo") == (kind == "photo")]
    for info in chosen:
        reference = dataset.reference(info.id)
        prepared = _prepare(judge, reference, jnd_model)  # the reference is read once
        truth = dataset.labels(info.id)
        pairs = _picture_pairs(dataset, judge, prepared, info.id)
        pair_sets.append(pairs)
        found = run_search(search, len(ladder), _candidate_judge(dataset, judge, prepared, info.id), sur=sur,
                           block_size=block_size)
        predicted = found.chosen or 0
        true = pwjnd_index(truth, sur) or 0
        first, at_predicted, at_true = (dataset.size(info.id, i) for i in (0, predicted, true))
        saving: float | None = None
        true_saving: float | None = None
        if first is not None and at_predicted is not None and at_true is not None:
            saving, true_saving = 1 - at_predicted / first, 1 - at_true / first
        true_savings.append(true_saving)
        at_prediction = dataset.candidate(info.id, predicted)
        delta = psnr(reference, at_prediction) - psnr(reference, dataset.candidate(info.id, true))
        distortion = None
        if teacher is not None:
            distortion = dataset.distortion(info.id, predicted, teacher.name)
            if distortion is None:
                distortion = teacher.distortion(reference, at_prediction)
        results.append(PictureResult(info.id, reference.shape[1], reference.shape[0], ladder[true].setting,
                                     ladder[predicted].setting, pairs.accuracy(sur), saving, _finite(delta),
                                     info.kind, distortion, int(pairs.labels.size), found.evaluations,
                                     found.batches))
        progress(info.id)
    if not results:
        raise ValueError(f"the {split} split has no pictures" + ("" if kind == "all" else f" of kind {kind}"))
    distortions = [r.teacher_distortion for r in results if r.teacher_distortion is not None]
    all_pairs = _concatenate(pair_sets)
    true_q = np.array([r.true_setting for r in results], dtype=float)
    pred_q = np.array([r.predicted_setting for r in results], dtype=float)
    return Report(
        judge=judge_name, layout=dataset.layout, codec=dataset.codec_name, split=split, sur=sur,
        criterion=dataset.criterion,
        pairs=int(all_pairs.labels.size), pair_accuracy=all_pairs.accuracy(sur),
        mad=float(np.mean(np.abs(pred_q - true_q))),
        relative_precision=float(1 - np.mean(np.abs(pred_q - true_q) / np.maximum(true_q, 1))),
        mean_true_setting=float(true_q.mean()), mean_predicted_setting=float(pred_q.mean()),
        saving=_mean_of_all([r.saving for r in results]),
        true_saving=_mean_of_all(true_savings),
        delta_psnr=float(np.mean([r.delta_psnr for r in results])),
        intervals=bootstrap_intervals(np.array([p.agreeing(sur) for p in pair_sets]),
                                      np.array([p.labels.size for p in pair_sets]),
                                      np.abs(pred_q - true_q), pred_q),
        pictures=results,
        kind=kind,
        mean_teacher_distortion=float(np.mean(distortions)) if distortions else None,
        max_teacher_distortion=float(np.max(distortions)) if distortions else None,
        search=search,
    )


def bootstrap_intervals(
    correct: np.ndarray, pairs: np.ndarray, errors: np.ndarray, predicted: np.ndarray,
    *, resamples: int = 2000, seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """95 % percentile intervals of pair accuracy, MAD and mean predicted level, resampling
    pictures (per picture: pairs judged right, pairs, |level error|, predicted level)."""
    draws = np.random.default_rng(seed).integers(0, len(errors), size=(resamples, len(errors)))
    measures = {"pair_accuracy": correct[draws].sum(axis=1) / pairs[draws].sum(axis=1),
                "mad": errors[draws].mean(axis=1), "mean_predicted_setting": predicted[draws].mean(axis=1)}
    return {name: (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))
            for name, values in measures.items()}


def _candidate_judge(dataset: JndDataset, judge: Judge, prepared: object, picture: str) -> Callable:
    """The search's evaluate callback: the judge (for their codec) on the dataset's candidates of one picture."""
    for_codec = judge.for_codec(dataset.codec_of(picture))
    return lambda indices: for_codec.probabilities(prepared, [dataset.candidate(picture, i) for i in indices])


def _mean_of_all(values: list[float | None]) -> float | None:
    """The mean, or None when some value is unknown (a candidate whose size was not kept)."""
    known = [value for value in values if value is not None]
    return float(np.mean(known)) if len(known) == len(values) else None


def _finite(value: float) -> float:
    """inf - inf (both levels lossless) is no difference; keep the JSON finite."""
    return 0.0 if not math.isfinite(value) else value
