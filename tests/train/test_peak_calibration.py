"""The luma-peak calibration is fitted on the training pairs and rewrites only the header of the weights."""

from __future__ import annotations

from dataclasses import replace

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


@pytest.fixture(scope="module")
def two_codec_corpus(tmp_path_factory):
    """JPEG (4:2:0 and 4:4:4) and WebP labels of six small photos, every tenth level."""
    pytest.importorskip("ssimulacra2")
    from jnd_sets import make_small_corpus

    return make_small_corpus(tmp_path_factory.mktemp("corpus"), count=6, every=10)


def test_a_set_of_several_codecs_gets_a_head_per_codec(two_codec_corpus, tmp_path):
    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.train.peak_calibration import MIN_HEAD_PAIRS

    dataset = open_training_set(two_codec_corpus)
    counts = {codec: sum(len(dataset.labels(p.id)) for p in dataset.split("train") if dataset.codec_of(p.id) == codec)
              for codec in dataset.codecs}
    assert min(counts.values()) >= MIN_HEAD_PAIRS  # the fixture is large enough for heads
    torch.manual_seed(1)
    path, output = tmp_path / "best.safetensors", tmp_path / "calibrated.safetensors"
    save_weights(VPJNDNet(NET), path, training={"epoch": 1})
    fit = calibrate_weights(path, dataset, torch.device("cpu"), "epc", output=output, training={"epoch": 2})
    assert sorted(fit.heads) == ["jpeg", "webp"] and fit.heads["jpeg"] != fit.heads["webp"]
    assert fit.pairs == sum(counts.values()) and fit.calibrated_bce <= fit.network_bce
    header = read_header(output)
    assert header.codec_calibrations == fit.heads and header.calibration == fit.calibration
    assert header.training == {"epoch": 2} and read_header(path).calibration is None  # the input is untouched
    judge = NetworkJudge(output, device="cpu")
    assert judge.for_codec("webp").calibration == fit.heads["webp"] and judge.for_codec("avif") is judge


def test_vpjnd_calibrate_writes_a_network_for_the_corpus_criterion(two_codec_corpus, tmp_path):
    from vpjnd_cli.cli import run
    from vpjnd_cli.model.locate import trained_codecs, trained_criterion

    torch.manual_seed(2)
    weights, output = tmp_path / "net.safetensors", tmp_path / "out.safetensors"
    save_weights(VPJNDNet(NET), weights, training={"codec": "jpeg", "codecs": ["jpeg"], "epoch": 3})
    tensors = load_file(weights)
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "-o", str(output)]) == 0
    header = read_header(output)
    assert trained_codecs(output) == ("webp",) and trained_criterion(output) == "paper"
    assert header.training["epoch"] == 3 and header.training["calibrated"]["from"].startswith("net-")
    assert header.calibration is not None and header.codec_calibrations == {}  # one codec: no heads
    assert all(torch.equal(tensors[name], load_file(output)[name]) for name in tensors)
    assert run(["calibrate", str(weights), str(two_codec_corpus), "-o", str(output)]) == 2  # exists
    assert run(["calibrate", str(weights), str(two_codec_corpus), "-o", str(weights), "-f"]) == 2  # the input
    assert load_file(weights).keys() == tensors.keys() and read_header(weights).calibration is None


def test_heads_only_adds_a_head_and_moves_no_other_codec(two_codec_corpus, tmp_path):
    from vpjnd_cli.cli import run
    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.locate import trained_codecs
    from vpjnd_cli.model.peak import LumaPeak, PeakCalibration

    torch.manual_seed(3)
    weights, output = tmp_path / "net.safetensors", tmp_path / "out.safetensors"
    shared, avif = PeakCalibration(1.2, -3.0, -1.5), PeakCalibration(0.9, -2.0, -1.0)
    record = {"codec": "jpeg+avif", "codecs": ["jpeg", "avif"], "criterion": "paper", "epoch": 3}
    save_weights(VPJNDNet(NET), weights, training=record, calibration=shared, codec_calibrations={"avif": avif})
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only",
                "-o", str(output)]) == 0
    header = read_header(output)
    assert header.calibration == shared and header.codec_calibrations["avif"] == avif
    assert sorted(header.codec_calibrations) == ["avif", "webp"] and header.codec_calibrations["webp"] != shared
    assert trained_codecs(output) == ("jpeg", "avif", "webp") and header.training["epoch"] == 3
    assert header.training["heads"]["webp"]["data"] == two_codec_corpus.name
    judge = NetworkJudge(output, device="cpu")
    assert judge.for_codec("jpeg") is judge and judge.calibration == shared  # JPEG's answers stay
    assert judge.for_codec("webp").calibration == header.codec_calibrations["webp"]
    normed = tmp_path / "normed.safetensors"
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only", "--peak-norm",
                "3", "-o", str(normed)]) == 0
    webp = read_header(normed).codec_calibrations["webp"]
    assert webp.norm == 3.0 and webp.statistic == replace(shared.statistic, norm=3.0)  # the 3-norm beside the peak
    assert webp.norm_slope != 0 and webp.peak_slope != 0
    assert read_header(normed).calibration == shared and webp != header.codec_calibrations["webp"]
    full = tmp_path / "full-size.safetensors"
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only",
                "--full-size-quantile", "0.9999", "-o", str(full)]) == 0
    webp = read_header(full).codec_calibrations["webp"]
    assert webp.full_size == LumaPeak(sigma=1.0, quantile=0.9999, downscale=1) and webp.full_size_slope != 0
    assert webp.statistic == shared.statistic and read_header(full).calibration == shared
    floored = tmp_path / "floored.safetensors"
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only",
                "--full-size-quantile", "0.9999", "--full-size-floor", "0.5", "-o", str(floored)]) == 0
    assert read_header(floored).codec_calibrations["webp"].full_size_floor > 0  # the median of its pairs' peaks
    masked = tmp_path / "masked.safetensors"
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only", "--peak-norm",
                "3", "--masking", "0.001", "-o", str(masked)]) == 0
    webp = read_header(masked).codec_calibrations["webp"]
    assert webp.statistic == replace(shared.statistic, norm=3.0, masking=0.001) and webp.masking_slope != 0
    save_weights(VPJNDNet(NET), weights, training={"codec": "jpeg"}, calibration=shared)  # before the codec list
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only", "-f",
                "-o", str(output)]) == 0
    assert trained_codecs(output) == ("jpeg", "webp")


def test_heads_only_refuses_a_file_it_cannot_extend(two_codec_corpus, tmp_path, capsys):
    from vpjnd_cli.cli import run
    from vpjnd_cli.model.peak import PeakCalibration

    bare, strict, output = tmp_path / "bare.safetensors", tmp_path / "strict.safetensors", tmp_path / "out.safetensors"
    save_weights(VPJNDNet(NET), bare, training={"codecs": ["jpeg"]})
    save_weights(VPJNDNet(NET), strict, training={"codecs": ["jpeg"], "criterion": "strict"},
                 calibration=PeakCalibration(1.0, 0.0, -1.0))
    assert run(["calibrate", str(bare), str(two_codec_corpus), "--codec", "webp", "--heads-only", "-o",
                str(output)]) == 2
    assert "no calibration to keep" in capsys.readouterr().err
    assert run(["calibrate", str(strict), str(two_codec_corpus), "--codec", "webp", "--heads-only", "-o",
                str(output)]) == 2
    assert "criterion" in capsys.readouterr().err and not output.exists()
    assert run(["calibrate", str(bare), str(two_codec_corpus), "--codec", "webp", "--heads-only", "--masking",
                "0.001", "-o", str(output)]) == 2
    assert "--peak-norm adds" in capsys.readouterr().err.replace("\n", " ") and not output.exists()


def test_heads_names_the_codecs_that_get_one(two_codec_corpus, tmp_path):
    from vpjnd_cli.cli import run

    torch.manual_seed(4)
    weights = tmp_path / "net.safetensors"
    save_weights(VPJNDNet(NET), weights, training={"codecs": ["jpeg"]})
    every, webp, none = (tmp_path / f"{name}.safetensors" for name in ("every", "webp", "none"))
    assert run(["calibrate", str(weights), str(two_codec_corpus), "-o", str(every)]) == 0
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--heads", "webp", "-o", str(webp)]) == 0
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--heads", "none", "-o", str(none)]) == 0
    shared = read_header(every).calibration
    assert sorted(read_header(every).codec_calibrations) == ["jpeg", "webp"]
    assert read_header(webp).calibration == shared and read_header(none).calibration == shared
    assert read_header(webp).codec_calibrations == {"webp": read_header(every).codec_calibrations["webp"]}
    assert read_header(none).codec_calibrations == {}
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--heads", "avif", "-o", str(tmp_path / "x")]) == 2
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--heads", "webp", "--heads-only", "-o",
                str(tmp_path / "y")]) == 2
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--peak-norm", "3", "-o", str(tmp_path / "z")]) == 2
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--full-size-quantile", "0.9999", "-o",
                str(tmp_path / "w")]) == 2
    assert run(["calibrate", str(weights), str(two_codec_corpus), "--codec", "webp", "--heads-only",
                "--full-size-floor", "0.5", "-o", str(tmp_path / "v")]) == 2
    assert not any((tmp_path / name).exists() for name in "xyzwv")
