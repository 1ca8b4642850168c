"""Fitting a run's luma-peak calibration (model/peak.py) on its training pairs, after training.

The training pairs, not the validation ones: validation picks the epoch and must stay unseen by
anything fitted. The fit rewrites the weights file with the same tensors and the calibration in its
header. It always starts from the network alone, so rerunning it (``vpjnd train --resume`` on a
finished run) gives the same calibration.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vpjnd_cli.judges.base import Judge
from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model.peak import LumaPeak, PeakCalibration, fit_peak_calibration
from vpjnd_cli.model.weights import load_model, read_header, save_weights
from vpjnd_cli.train.dataset import JndDataset
from vpjnd_cli.train.evaluation import PairScores, pair_scores


@dataclass(frozen=True)
class CalibrationFit:
    """The fitted calibration and the mean BCE on the training pairs without and with it."""

    calibration: PeakCalibration
    pairs: int
    network_bce: float
    calibrated_bce: float


def calibrate_weights(path: Path, dataset: JndDataset, device: torch.device, jnd_model: str) -> CalibrationFit:
    """Fit the calibration of the network in ``path`` on ``dataset``'s train split; rewrite ``path``."""
    header = read_header(path)
    model = load_model(path, device)
    judge = _PeakRecordingJudge(NetworkJudge.from_model(model, device), LumaPeak())
    network = pair_scores(dataset, judge, dataset.split("train"), jnd_model)
    peaks = np.concatenate(judge.peaks)
    calibration = fit_peak_calibration(network.probabilities, peaks, network.labels, judge.statistic)
    calibrated = PairScores(network.labels, calibration.apply(network.probabilities, peaks))
    save_weights(model, path, training=header.training, ema=header.ema, calibration=calibration)
    return CalibrationFit(calibration, network.labels.size, network.bce(), calibrated.bce())


def strip_calibration(path: Path) -> None:
    """Rewrite ``path`` without a calibration (a run trained with --no-peak-calibration)."""
    header = read_header(path)
    if header.calibration is not None:
        save_weights(load_model(path), path, training=header.training, ema=header.ema)


class _PeakRecordingJudge(Judge):
    """The network alone, recording each candidate's luma peak as it goes, in pair_scores' order:
    one decode of the candidates serves both (decoding the 1,200 training pairs again took 8 s)."""

    name = "vpjndnet"

    def __init__(self, network: NetworkJudge, statistic: LumaPeak) -> None:
        self.network, self.statistic = network, statistic
        self.peaks: list[np.ndarray] = []

    def prepare(self, reference: np.ndarray, jnd_map: np.ndarray) -> tuple[Any, np.ndarray]:
        return self.network.prepare(reference, jnd_map), self.statistic.reference(reference)

    def probabilities(self, prepared: tuple[Any, np.ndarray], candidates: Sequence[np.ndarray]) -> np.ndarray:
        network, luma = prepared
        self.peaks.append(self.statistic.peaks(luma, candidates))
        return self.network.probabilities(network, candidates)
