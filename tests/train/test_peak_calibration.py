"""The luma-peak calibration is fitted on the training pairs and rewrites only the header of the weights."""

from __future__ import annotations

import pytest
import torch
from jnd_sets import make_mcl_jci
from safetensors.torch import load_file

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.weights import read_header, save_weights
from vpjnd_cli.train.detect import open_training_set
from vpjnd_cli.train.peak_calibration import calibrate_weights, strip_calibration

NET = NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8, patch_size=16,
                patches_per_picture=4)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return open_training_set(make_mcl_jci(tmp_path_factory.mktemp("sets") / "mcl", height=32, width=32))


def test_the_fit_uses_the_training_pairs_and_keeps_the_tensors(dataset, tmp_path):
    torch.manual_seed(1)
    path = tmp_path / "best.safetensors"
    save_weights(VPJNDNet(NET), path, training={"epoch": 1}, ema=True)
    tensors = load_file(path)
    fit = calibrate_weights(path, dataset, torch.device("cpu"), "epc")
    assert fit.pairs == sum(len(dataset.labels(p.id)) for p in dataset.split("train")) > 0
    assert fit.calibrated_bce <= fit.network_bce  # the family holds the network itself (1, 0, 0)
    header = read_header(path)
    assert header.calibration == fit.calibration and header.training == {"epoch": 1} and header.ema
    after = load_file(path)
    assert all(torch.equal(tensors[name], after[name]) for name in tensors)
    calibrate_weights(path, dataset, torch.device("cpu"), "epc")  # refits the network, not its own output
    assert read_header(path) == header
    strip_calibration(path)
    assert read_header(path).calibration is None and read_header(path).training == {"epoch": 1}
