"""Fitting a run's luma-peak calibration (model/peak.py) on its training pairs, after training, with a
head per codec for a set of several codecs (``vpjnd calibrate`` fits them for a trained network on
another corpus: one network, a head per criterion).

The training pairs, not the validation ones: validation picks the epoch and must stay unseen by
anything fitted. The fit rewrites the weights file with the same tensors and the calibration in its
header. It always starts from the network alone, so rerunning it (``vpjnd train --resume`` on a
finished run) gives the same calibration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vpjnd_cli.errors import UsageError
from vpjnd_cli.judges.base import Judge
from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model.peak import (
    FULL_SIZE_SIGMA,
    LumaPeak,
    PeakCalibration,
    calibration_columns,
    fit_peak_calibration,
)
from vpjnd_cli.model.weights import load_model, read_header, save_weights
from vpjnd_cli.train.dataset import JndDataset
from vpjnd_cli.train.evaluation import PairScores, pair_scores


@dataclass(frozen=True)
class CalibrationFit:
    """The fitted calibration, a head per codec (empty for a one-codec set), and the mean BCE on the
    training pairs of the network alone and of the calibrated judge (each pair by its codec's head)."""

    calibration: PeakCalibration
    heads: dict[str, PeakCalibration]
    pairs: int
    network_bce: float
    calibrated_bce: float


MIN_HEAD_PAIRS = 30  # fewer training pairs of a codec leave it to the shared calibration


def calibrate_weights(path: Path, dataset: JndDataset, device: torch.device, jnd_model: str, *,
                      output: Path | None = None, training: dict[str, Any] | None = None,
                      heads: list[str] | None = None, heads_only: bool = False,
                      norm: float | None = None, masking: float | None = None,
                      full_size_quantile: float | None = None,
                      full_size_floor: float | None = None) -> CalibrationFit:
    """Fit the calibration of the network in ``path`` on ``dataset``'s train split, and a head for
    each codec of ``heads`` (default: every codec, when the set has several), and write the network
    with them to ``output`` (default: rewrite ``path``), its training record replaced by
    ``training`` when given. With ``heads_only``, the file's calibration and heads stay and a head
    is fitted for each of the set's codecs, even one; ``norm`` (heads_only only) gives those heads
    a second term, the luma error's p-norm beside the file's quantile (LumaPeak), ``masking`` (with
    ``norm``) one more, that p-norm masked by the reference's local contrast plus ``masking``, and
    ``full_size_quantile`` (heads_only only) one more, that quantile of the error at full size
    (PeakCalibration.full_size), read no lower than the ``full_size_floor`` quantile of each codec's
    training pairs' full-size peaks when given (PeakCalibration.full_size_floor).

    Why heads: the network learned one scale for every codec, but its answer runs a few levels
    conservative on some codecs and not on others; a codec's own three numbers remove that offset
    without touching the network. Why some codecs only: a head measured to help one codec can be
    added without moving the answers of the codecs it does not help.
    """
    if masking is not None and norm is None:
        raise UsageError("--masking weighs the p-norm that --peak-norm adds; add it")
    header = read_header(path)
    kept = header.calibration if heads_only else None
    if heads_only and kept is None:
        raise UsageError("no calibration to keep beside new heads: calibrate the file whole first", path)
    if full_size_floor is not None and full_size_quantile is None:
        raise UsageError("--full-size-floor floors the term that --full-size-quantile adds; add it")
    if (norm is not None or full_size_quantile is not None) and not heads_only:
        raise UsageError("--peak-norm and --full-size-quantile shape the heads that --heads-only adds; "
                         "add --heads-only")
    pictures = dataset.split("train")
    codecs = np.repeat([dataset.codec_of(info.id) for info in pictures],
                       [len(dataset.labels(info.id)) for info in pictures])
    pairs = {codec: int((codecs == codec).sum()) for codec in dataset.codecs}
    chosen = dataset.codecs if heads_only else heads
    if chosen is None:  # the default: every codec with pairs enough, when the set has several
        chosen = [codec for codec in dataset.codecs if pairs[codec] >= MIN_HEAD_PAIRS] if len(pairs) > 1 else []
    elif few := [codec for codec in chosen if pairs.get(codec, 0) < MIN_HEAD_PAIRS]:
        raise UsageError(f"{few[0]} has fewer than {MIN_HEAD_PAIRS} training pairs, too few for a head")
    model = load_model(path, device)
    statistic = kept.statistic if kept is not None else LumaPeak()
    if norm is not None:
        statistic = replace(statistic, norm=norm, masking=masking or 0.0)
    full_size = None if full_size_quantile is None else LumaPeak(FULL_SIZE_SIGMA, full_size_quantile, downscale=1)
    judge = _PeakRecordingJudge(NetworkJudge.from_model(model, device), statistic, full_size)
    network = pair_scores(dataset, judge, pictures, jnd_model)
    columns = statistic.columns + (full_size is not None)
    measured = np.concatenate(judge.measured) if judge.measured else np.zeros((0, columns))

    def fit(mine: np.ndarray) -> PeakCalibration:
        floor = 0.0 if full_size_floor is None else float(np.quantile(measured[mine, -1], full_size_floor))
        return fit_peak_calibration(network.probabilities[mine], measured[mine], network.labels[mine], statistic,
                                    full_size=full_size, full_size_floor=floor)

    calibration = kept if kept is not None else fit(np.ones(codecs.size, bool))
    fitted = dict(header.codec_calibrations) if kept is not None else {}
    fitted |= {codec: fit(codecs == codec) for codec in chosen}
    calibrated = network.probabilities.copy()
    for codec in np.unique(codecs):
        mine = codecs == codec
        calibrated[mine] = fitted.get(str(codec), calibration).apply(network.probabilities[mine], measured[mine])
    save_weights(model, output or path, training=header.training if training is None else training, ema=header.ema,
                 calibration=calibration, codec_calibrations=fitted)
    return CalibrationFit(calibration, fitted, network.labels.size, network.bce(),
                          PairScores(network.labels, calibrated).bce())


def strip_calibration(path: Path) -> None:
    """Rewrite ``path`` without a calibration (a run trained with --no-peak-calibration)."""
    header = read_header(path)
    if header.calibration is not None:
        save_weights(load_model(path), path, training=header.training, ema=header.ema)


class _PeakRecordingJudge(Judge):
    """The network alone, recording each candidate's luma statistics as it goes (PeakCalibration.apply's
    columns), in pair_scores' order: one decode of the candidates serves both (decoding the 1,200
    training pairs again took 8 s)."""

    name = "vpjndnet"

    def __init__(self, network: NetworkJudge, statistic: LumaPeak, full_size: LumaPeak | None) -> None:
        self.network, self.statistic, self.full_size = network, statistic, full_size
        self.measured: list[np.ndarray] = []

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray | None]:
        full_size = None if self.full_size is None else self.full_size.reference(reference)
        return self.network.prepare(reference, jnd_map), self.statistic.reference(reference), full_size

    def probabilities(self, prepared: tuple[Any, np.ndarray, np.ndarray | None],
                      candidates: Sequence[np.ndarray]) -> np.ndarray:
        network, luma, full_size_luma = prepared
        self.measured.append(calibration_columns(self.statistic, self.full_size, luma, full_size_luma, candidates))
        return self.network.probabilities(network, candidates)


def recalibrate(weights: Path, corpus: Path, output: Path, *, codecs: list[str] | None, device: torch.device,
                jnd_model: str, heads: list[str] | None = None, heads_only: bool = False,
                norm: float | None = None, masking: float | None = None, full_size_quantile: float | None = None,
                full_size_floor: float | None = None) -> CalibrationFit:
    """``vpjnd calibrate``: the network of ``weights`` with a calibration (and heads) fitted on
    ``corpus``'s training pairs (heads: ``calibrate_weights``), written to ``output`` with its ONNX
    graph when onnx is installed.
    The training record takes the corpus's criterion and codecs, which decide what the file judges;
    with ``heads_only`` it keeps the file's, adds the corpus's codecs and records where each new head
    came from."""
    from vpjnd_cli.errors import ToolMissingError
    from vpjnd_cli.model.export import export_graph
    from vpjnd_cli.model.locate import recorded_codecs, weights_name
    from vpjnd_cli.train.detect import open_training_set

    dataset = open_training_set(corpus, codecs=codecs)
    training = read_header(weights).training
    source = {"from": weights_name(weights), "data": corpus.name, "date": date.today().isoformat()}
    if not heads_only:
        record = {**training, "criterion": dataset.criterion, "codec": dataset.codec_name, "codecs": dataset.codecs,
                  "calibrated": source}
    elif dataset.criterion != training.get("criterion", "paper"):
        raise UsageError(f"{corpus} holds {dataset.criterion} labels and the file judges the "
                         f"{training.get('criterion', 'paper')} criterion: a head must share its file's criterion",
                         weights)
    else:
        known = list(recorded_codecs(training) or ())
        judged = known + [codec for codec in dataset.codecs if codec not in known]
        record = {**training, "codec": "+".join(judged), "codecs": judged,
                  "heads": {**training.get("heads", {}), **dict.fromkeys(dataset.codecs, source)}}
    fit = calibrate_weights(weights, dataset, device, jnd_model, output=output, training=record, heads=heads,
                            heads_only=heads_only, norm=norm, masking=masking, full_size_quantile=full_size_quantile,
                            full_size_floor=full_size_floor)
    with contextlib.suppress(ToolMissingError):  # without onnx, torch runs the file
        export_graph(output)
    return fit
