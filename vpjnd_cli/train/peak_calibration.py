"""Fitting a run's luma-peak calibration (model/peak.py) on its training pairs, after training.

The training pairs, not the validation ones: validation picks the epoch and must stay unseen by
anything fitted. The fit rewrites the weights file with the same tensors and the calibration in its
header. It always starts from the network alone, so rerunning it (``vpjnd train --resume`` on a
finished run) gives the same calibration.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model.peak import LumaPeak, PeakCalibration, fit_peak_calibration
from vpjnd_cli.model.weights import load_model, read_header, save_weights
from vpjnd_cli.train.dataset import JndDataset, PictureInfo
from vpjnd_cli.train.evaluation import pair_scores


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
    pictures = dataset.split("train")
    network = pair_scores(dataset, NetworkJudge.from_model(model, device), pictures, jnd_model)
    statistic = LumaPeak()
    peaks = np.concatenate([_picture_peaks(dataset, info, statistic) for info in pictures])
    calibration = fit_peak_calibration(network.probabilities, peaks, network.labels, statistic)
    calibrated = type(network)(network.labels, calibration.apply(network.probabilities, peaks))
    save_weights(model, path, training=header.training, ema=header.ema, calibration=calibration)
    return CalibrationFit(calibration, network.labels.size, network.bce(), calibrated.bce())


def strip_calibration(path: Path) -> None:
    """Rewrite ``path`` without a calibration (a run trained with --no-peak-calibration)."""
    header = read_header(path)
    if header.calibration is not None:
        save_weights(load_model(path), path, training=header.training, ema=header.ema)


def _picture_peaks(dataset: JndDataset, info: PictureInfo, statistic: LumaPeak) -> np.ndarray:
    """The luma peak of every labelled level of one picture, in pair_scores' order (sorted levels)."""
    luma = statistic.reference(dataset.reference(info.id))
    return statistic.peaks(luma, [dataset.candidate(info.id, i) for i in sorted(dataset.labels(info.id))])
