"""Training is seeded, and a resumed run (at an epoch end or mid-epoch) equals an uninterrupted one."""

from __future__ import annotations

import json

import pytest
import torch
from jnd_sets import make_mcl_jci
from safetensors.torch import load_file

from vpjnd_cli.display import Silent
from vpjnd_cli.errors import UsageError
from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.peak import PeakCalibration
from vpjnd_cli.model.weights import load_model, read_header
from vpjnd_cli.train.detect import open_training_set
from vpjnd_cli.train.evaluation import pair_scores
from vpjnd_cli.train.samples import SampleSource
from vpjnd_cli.train.trainer import BEST, CHECKPOINT, LOG, TrainConfig, ordering_penalty, train

NET = NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8, patch_size=16,
                patches_per_picture=4)


class Recorded(Silent):
    """A display that keeps what training shows: its lines, and each progress bar's steps."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.bars: list[list] = []  # [description, total, done, advances]

    def start(self, description: str, total: int, done: int = 0) -> None:
        self.bars.append([description, total, done, 0])

    def advance(self, label: str | None = None) -> None:
        self.bars[-1][3] += 1

    def note(self, message: str) -> None:
        self.notes.append(message)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return open_training_set(make_mcl_jci(tmp_path_factory.mktemp("sets") / "mcl", height=32, width=32))


def run(dataset, folder, epochs, *, resume=False, checkpoint_seconds=300.0, peak_in_loss=False, flips=False):
    # a 100-level ladder: keep it small by training on 1 sample per 25 per step
    config = TrainConfig(epochs=epochs, batch=50, patches=2, seed=5, checkpoint_seconds=checkpoint_seconds,
                         peak_in_loss=peak_in_loss, flips=flips)
    return train(dataset, folder, NET, config, torch.device("cpu"), resume=resume, data_description="test")


def final_weights(folder):
    return torch.load(folder / CHECKPOINT, weights_only=True)["ema"]


def assert_same(a, b):
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name


@pytest.mark.parametrize("peak_in_loss", [False, True], ids=["network-alone", "peak-in-loss"])
def test_resume_at_an_epoch_end_is_bit_identical(dataset, tmp_path, peak_in_loss):
    run(dataset, tmp_path / "straight", 2, peak_in_loss=peak_in_loss)
    run(dataset, tmp_path / "resumed", 1, peak_in_loss=peak_in_loss)
    run(dataset, tmp_path / "resumed", 2, resume=True, peak_in_loss=peak_in_loss)
    assert_same(final_weights(tmp_path / "straight"), final_weights(tmp_path / "resumed"))
    log = json.loads((tmp_path / "resumed" / LOG).read_text())
    assert [e["epoch"] for e in log["epochs"]] == [1, 2]
    straight = json.loads((tmp_path / "straight" / LOG).read_text())
    assert straight["epochs"][1]["train_loss"] == log["epochs"][1]["train_loss"]
    assert load_file(tmp_path / "resumed" / BEST)


@pytest.mark.parametrize(("peak_in_loss", "flips"), [(False, False), (True, False), (True, True)],
                         ids=["network-alone", "peak-in-loss", "peak-in-loss-flips"])
def test_resume_mid_epoch_is_bit_identical(dataset, tmp_path, monkeypatch, peak_in_loss, flips):
    run(dataset, tmp_path / "straight", 1, peak_in_loss=peak_in_loss, flips=flips)
    original = SampleSource.batch
    calls = {"n": 0}

    def crash_on_third(self, *args, **options):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, *args, **options)

    monkeypatch.setattr(SampleSource, "batch", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        # a checkpoint after every batch
        run(dataset, tmp_path / "resumed", 1, checkpoint_seconds=0.0, peak_in_loss=peak_in_loss, flips=flips)
    assert torch.load(tmp_path / "resumed" / CHECKPOINT, weights_only=True)["batch"] == 2
    monkeypatch.setattr(SampleSource, "batch", original)
    run(dataset, tmp_path / "resumed", 1, resume=True, peak_in_loss=peak_in_loss, flips=flips)
    assert_same(final_weights(tmp_path / "straight"), final_weights(tmp_path / "resumed"))
    if peak_in_loss:  # the head is restored too
        heads = [torch.load(tmp_path / name / CHECKPOINT, weights_only=True)["peak_head"]
                 for name in ("straight", "resumed")]
        assert torch.equal(*heads)


def test_a_run_folder_with_a_checkpoint_needs_resume(dataset, tmp_path):
    run(dataset, tmp_path / "r", 1)
    with pytest.raises(UsageError, match="--resume"):
        run(dataset, tmp_path / "r", 1)


def test_a_run_resumes_under_its_variant_s_new_name(dataset, tmp_path):
    """A variant's name is a label: a run checkpointed before its network was named resumes."""
    from dataclasses import replace

    config = TrainConfig(epochs=1, batch=50, patches=2, seed=5)
    train(dataset, tmp_path / "r", NET, config, torch.device("cpu"), resume=False, data_description="test")
    named = replace(NET, name="vpjndnet-small")
    train(dataset, tmp_path / "r", named, replace(config, epochs=2), torch.device("cpu"), resume=True,
          data_description="test")
    assert read_header(tmp_path / "r" / BEST).config.name == "vpjndnet-small"
    with pytest.raises(UsageError, match="hidden 8 \\(now 16\\)"):
        train(dataset, tmp_path / "r", replace(named, hidden=16), replace(config, epochs=3), torch.device("cpu"),
              resume=True, data_description="test")


def test_a_finished_run_gets_its_peak_calibration_and_can_drop_it(dataset, tmp_path):
    shown = Recorded()
    config = TrainConfig(epochs=1, batch=50, patches=2, seed=5)
    train(dataset, tmp_path / "r", NET, config, torch.device("cpu"), resume=False, display=shown,
          data_description="test")
    calibration = read_header(tmp_path / "r" / BEST).calibration
    assert calibration is not None and "luma-peak calibration" in shown.notes[-1]
    assert shown.notes[0].startswith("epoch 1/1: train loss")
    (description, total, done, advances), = shown.bars
    assert description == "epoch 1" and done == 0 and advances == total > 1  # one bar: every step of the epoch
    assert json.loads((tmp_path / "r" / LOG).read_text())["peak_calibration"]["net_scale"] == calibration.net_scale
    train(dataset, tmp_path / "r", NET, config, torch.device("cpu"), resume=True, display=shown,
          data_description="test", peak_calibration=False)
    assert read_header(tmp_path / "r" / BEST).calibration is None


def test_a_failed_calibration_leaves_the_network_alone(dataset, tmp_path, monkeypatch):
    from vpjnd_cli.train import trainer

    def singular(*_args):
        raise ValueError("singular matrix")

    shown = Recorded()
    config = TrainConfig(epochs=1, batch=50, patches=2, seed=5)
    train(dataset, tmp_path / "r", NET, config, torch.device("cpu"), resume=False, data_description="test")
    monkeypatch.setattr(trainer, "calibrate_weights", singular)
    train(dataset, tmp_path / "r", NET, config, torch.device("cpu"), resume=True, display=shown,
          data_description="test")
    assert read_header(tmp_path / "r" / BEST).calibration is None
    assert "calibration skipped (singular matrix)" in shown.notes[-1]
    assert "peak_calibration" not in json.loads((tmp_path / "r" / LOG).read_text())


def test_with_the_peak_in_the_loss_the_head_learns_and_validation_uses_it(dataset, tmp_path):
    run(dataset, tmp_path / "alone", 1)
    run(dataset, tmp_path / "joint", 1, peak_in_loss=True)
    head = json.loads((tmp_path / "joint" / LOG).read_text())["epochs"][0]["peak_head"]
    assert head["net_scale"] != 1.0 and head["peak_slope"] != 0.0  # a and c moved from the network alone
    assert "peak_head" not in json.loads((tmp_path / "alone" / LOG).read_text())["epochs"][0]
    with pytest.raises(AssertionError):  # the peak changed what the network learnt
        assert_same(final_weights(tmp_path / "alone"), final_weights(tmp_path / "joint"))
    assert read_header(tmp_path / "joint" / BEST).training["config"]["peak_in_loss"] is True
    # the epoch's validation judged with the head: the network (best.safetensors keeps its tensors) plus a, b, c
    judge = NetworkJudge.from_model(load_model(tmp_path / "joint" / BEST), torch.device("cpu"), PeakCalibration(**head))
    record = json.loads((tmp_path / "joint" / LOG).read_text())["epochs"][0]
    assert pair_scores(dataset, judge, dataset.split("val"), "epc").bce() == pytest.approx(record["val_bce"], rel=1e-9)


def test_a_checkpoint_from_before_the_option_resumes_as_a_network_alone(dataset, tmp_path):
    run(dataset, tmp_path / "old", 1)
    payload = torch.load(tmp_path / "old" / CHECKPOINT, weights_only=True)
    meta = json.loads(payload["meta"])
    del meta["train"]["peak_in_loss"]
    payload["meta"] = json.dumps(meta)
    torch.save(payload, tmp_path / "old" / CHECKPOINT)
    run(dataset, tmp_path / "old", 2, resume=True)
    with pytest.raises(UsageError, match=r"other settings.*peak_in_loss false \(now true\)$"):
        run(dataset, tmp_path / "old", 3, resume=True, peak_in_loss=True)


def test_best_safetensors_appears_only_once_calibrated(dataset, tmp_path, monkeypatch):
    """The best epoch waits as PENDING while the run trains and fits its calibration; a run stopped
    before its end leaves no BEST a user could take for a finished file."""
    from vpjnd_cli.train import trainer

    seen = []
    calibrate = trainer.calibrate_weights

    def watched(path, *args):
        seen.append((path.name, (path.parent / BEST).exists()))
        return calibrate(path, *args)

    monkeypatch.setattr(trainer, "calibrate_weights", watched)
    run(dataset, tmp_path / "r", 1)
    assert seen == [(trainer.PENDING, False)]
    assert read_header(tmp_path / "r" / BEST).calibration is not None
    assert not (tmp_path / "r" / trainer.PENDING).exists()
    first = (tmp_path / "r" / BEST).read_bytes()
    run(dataset, tmp_path / "r", 1, resume=True)  # a finished run resumed: its BEST is fitted again, in place
    assert seen[-1] == (BEST, True) and (tmp_path / "r" / BEST).read_bytes() == first

    def interrupted(path, *args):
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer, "calibrate_weights", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(dataset, tmp_path / "stopped", 1)
    assert (tmp_path / "stopped" / trainer.PENDING).exists() and not (tmp_path / "stopped" / BEST).exists()


def test_the_ordering_penalty_counts_only_rises_with_distortion_within_a_group():
    logits = torch.tensor([2.0, 3.0, 0.0, -1.0, 5.0])
    owner = torch.tensor([0, 0, 1, 1, 2])
    index = torch.tensor([5, 9, 1, 2, 0])  # group 0 rises from index 5 to 9; group 1 falls; group 2 alone
    rise = float(torch.sigmoid(torch.tensor(3.0)) - torch.sigmoid(torch.tensor(2.0)))
    assert float(ordering_penalty(logits, owner, index)) == pytest.approx(rise / 2)  # two ordered pairs
    assert float(ordering_penalty(logits[2:], owner[2:], index[2:])) == 0.0
    assert float(ordering_penalty(logits[4:], owner[4:], index[4:])) == 0.0  # no pair at all


def test_a_run_with_the_ordering_penalty_trains_differently_and_records_it(dataset, tmp_path):
    from dataclasses import replace

    config = TrainConfig(epochs=1, batch=50, patches=2, seed=5)
    for name, weight in (("plain", 0.0), ("ordered", 5.0)):
        train(dataset, tmp_path / name, NET, replace(config, monotone=weight), torch.device("cpu"), resume=False,
              data_description="test", peak_calibration=False)
    assert json.loads((tmp_path / "ordered" / LOG).read_text())["train"]["monotone"] == 5.0
    plain, ordered = final_weights(tmp_path / "plain"), final_weights(tmp_path / "ordered")
    assert any(not torch.equal(plain[name], ordered[name]) for name in plain)
