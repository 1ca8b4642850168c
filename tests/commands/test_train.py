"""label -> train -> evaluate end to end through the CLI, on tiny pictures (CPU, seconds)."""

from __future__ import annotations

import json

import pytest
from jnd_sets import make_photos

from vpjnd_cli.cli import run
from vpjnd_cli.model.graph import fresh_graph
from vpjnd_cli.model.weights import read_header

pytest.importorskip("ssimulacra2")
TINY_NET = ["--channels", "4,8", "--patch-size", "16", "--hidden", "8", "--inference-patches", "4",
            "--batch", "16", "--patches", "2", "--device", "cpu"]


def test_label_train_evaluate(tmp_path, capsys):
    corpus, runs = tmp_path / "corpus", tmp_path / "run"
    photos = make_photos(tmp_path / "photos")
    assert run(["label", str(photos), "-o", str(corpus), "--teacher", "ssimulacra2", "--size", "96x72",
                "--every", "10", "--fine", "10", "--chroma", "420"]) == 0
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "1", "--orient-patches", *TINY_NET]) == 0
    captured = capsys.readouterr()
    assert "epoch 1/1" in captured.err and "best.safetensors" in captured.out
    header = read_header(runs / "best.safetensors")
    assert header.ema and header.config.channels == (4, 8) and header.config.weight_activation == "softplus"
    # the default variant, with the fields the options change: its name and its other choices stay
    assert header.config.name == "vpjndnet-small" and not header.config.flip_average and header.config.orient_patches
    assert header.config.difference_gain == 100.0 and header.config.reduction == 2
    assert header.training["data"].startswith("corpus") and header.training["epoch"] == 1
    assert header.calibration is not None and "luma-peak calibration" in captured.err
    assert header.training["config"]["peak_in_loss"] is True  # the default
    assert fresh_graph(runs / "best.safetensors") == runs / "best.onnx"  # the graph the judge runs on the CPU
    log = json.loads((runs / "log.json").read_text())
    assert len(log["epochs"]) == 1 and 0.0 <= log["epochs"][0]["val_accuracy"] <= 1.0

    code = run(["evaluate", str(corpus), "--judge", "vpjndnet", "--weights", str(runs / "best.safetensors"),
                "--device", "cpu", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["judge"] == "vpjndnet" and report["split"] == "test"
    assert report["pairs"] == 11 * len(report["pictures"]) > 0
    assert 0.0 <= report["pair_accuracy"] <= 1.0 and report["mad"] >= 0

    assert run(["evaluate", str(corpus), "--weights", str(runs / "best.safetensors"), "--device", "cpu",
                "--no-peak-calibration", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["judge"] == "vpjndnet (network alone)"
    assert run(["evaluate", str(corpus), "--judge", "pjnd", "--no-peak-calibration"]) == 2
    assert "applies to the vpjndnet judge" in capsys.readouterr().err


def test_train_refuses_an_existing_run_without_resume(tmp_path, capsys):
    corpus, runs = tmp_path / "corpus", tmp_path / "run"
    photos = make_photos(tmp_path / "photos", count=4)
    assert run(["label", str(photos), "-o", str(corpus), "--teacher", "ssimulacra2", "--size", "48x48",
                "--every", "20"]) == 0
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "1", *TINY_NET]) == 0
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "1", *TINY_NET]) == 2
    assert "--resume" in capsys.readouterr().err
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "2", "--resume", *TINY_NET]) == 0
    # the network was trained inside the peak combination: resuming it as a network alone is another run
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "2", "--resume", "--no-peak-calibration",
                *TINY_NET]) == 2
    assert "peak_in_loss true (now false)" in capsys.readouterr().err

    alone = tmp_path / "alone"
    assert run(["train", str(corpus), "-o", str(alone), "--epochs", "1", "--no-peak-in-loss", *TINY_NET]) == 0
    assert read_header(alone / "best.safetensors").calibration is not None
    assert read_header(alone / "best.safetensors").training["config"]["peak_in_loss"] is False
    assert run(["train", str(corpus), "-o", str(alone), "--epochs", "1", "--resume", "--no-peak-calibration",
                *TINY_NET]) == 0
    assert read_header(alone / "best.safetensors").calibration is None
    assert run(["train", str(corpus), "-o", str(tmp_path / "r2"), "--channels", "4,x"]) == 2
    assert run(["train", str(corpus), "-o", str(tmp_path / "r3"), "--weight-activation", "tanh"]) == 2
    assert "--weight-activation" in capsys.readouterr().err  # refused with its choices, before any work


def test_a_network_trained_on_strict_labels_records_its_criterion_and_judges_by_it_alone(tmp_path, capsys):
    from jnd_sets import make_mcl_jci

    corpus, runs = tmp_path / "strict", tmp_path / "run"
    photos = make_photos(tmp_path / "photos", height=144, width=192)  # large enough for the strict targets
    assert run(["label", str(photos), "-o", str(corpus), "--teacher", "ssimulacra2", "--size", "192x144",
                "--every", "20", "--fine", "10", "--chroma", "420", "--criterion", "strict"]) == 0
    assert run(["train", str(corpus), "-o", str(runs), "--epochs", "1", *TINY_NET]) == 0
    weights = str(runs / "best.safetensors")
    assert read_header(runs / "best.safetensors").training["criterion"] == "strict"
    capsys.readouterr()
    assert run(["evaluate", str(corpus), "--weights", weights, "--device", "cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["criterion"] == "strict"  # the labels' criterion, by default
    assert run(["evaluate", str(corpus), "--weights", weights, "--criterion", "paper"]) == 2
    assert "is labelled for the strict criterion, not paper" in capsys.readouterr().err
    assert run(["evaluate", str(make_mcl_jci(tmp_path / "mcl")), "--weights", weights]) == 2  # human first-JND data
    assert "was trained for the strict criterion, not paper" in capsys.readouterr().err
