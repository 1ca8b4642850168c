"""The training loop: seeded, resumable, EMA weights for validation and export.

Loss (our reading of the paper's visual-importance guided loss, docs/design.md): per sample,
BCE(logit, label) x (1 + lambda x SSIM(I_D, I_PW-JND)), SSIM over the sample's patches (luma),
I_PW-JND the picture's candidate at its ground-truth PW-JND: candidates that look like the
PW-JND picture, i.e. near the decision boundary, weigh up to 1 + lambda.

Samples come in groups of up to ``levels`` levels of one picture on shared patches (samples.py).
With ``monotone`` > 0 the loss adds that weight times the mean, over the pairs of a group, of how far
the more distorted level's probability rises above the less distorted one's: "more distortion is
never safer", taught where the network sees both levels on the same patches. It is zero when the
order holds, so it leaves the probabilities of well-ordered pairs to the BCE.

With ``peak_in_loss`` the network is trained inside the judge that ships, not alone: the loss's logit
is a x (network logit) + b + c x (ln luma peak - centre), with a, b, c learned alongside the network
(``State.peak_head``). The network is so trained for the part it plays in the judge: adding what the
luma peak (model/peak.py), which sees every pixel, does not say. Validation each epoch judges with
the same combination. Afterwards the calibration is refitted on the
training pairs as for any run (peak_calibration.py), and the weights' ONNX graph is written beside
them (model/export.py), so that the judge runs them without torch on the CPU.

Reproducibility: the groups of an epoch come from a generator seeded by (seed, epoch),
the patch positions of a batch from one seeded by (seed, epoch, batch), dropout from torch's
generator, whose state the checkpoint keeps. A checkpoint (RUN/checkpoint.pt, written to a .part
file then renamed) is taken every ``checkpoint_seconds`` and at each epoch end, so ``resume``
continues mid-epoch on the same batch; on CPU the resumed run is bit-identical to an uninterrupted
one (tests/train/test_trainer.py). On a GPU, cuDNN kernels may differ in the last bits.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from vpjnd_cli.display import Display, Silent
from vpjnd_cli.errors import ToolMissingError, UsageError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.jsontext import dumps, nulled
from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.export import export_graph
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.peak import LumaPeak, PeakCalibration
from vpjnd_cli.model.weights import save_weights
from vpjnd_cli.train.dataset import JndDataset
from vpjnd_cli.train.evaluation import pair_scores
from vpjnd_cli.train.peak_calibration import (
    CalibrationFit,
    calibrate_weights,
    strip_calibration,
)
from vpjnd_cli.train.samples import Batch, SampleSource
from vpjnd_cli.train.ssim import luma, ssim

CHECKPOINT = "checkpoint.pt"
BEST = "best.safetensors"
# The best epoch's weights until the run's end has fitted their luma-peak calibration; then they
# become BEST. A copy of BEST taken at any time is a finished, calibrated file (an uncalibrated one
# passed JPEG QF 16 where the threshold was 70), and an interrupted run leaves PENDING, not BEST.
PENDING = "best.pending.safetensors"
LOG = "log.json"
_PEAK_HEAD_START = (1.0, 0.0, 0.0)  # a, b, c: the network alone
_PEAK_HEAD_LR = 0.01  # Adam's step for a, b and c: ten times the network's, so they settle within a run
_LOG_PEAK_CENTRE = -6.5  # about the mean ln(peak) of labelled pairs: keeps b near 0 and quick to learn


@dataclass(frozen=True)
class TrainConfig:
    """Everything about a run except the network (NetConfig) and the data."""

    epochs: int = 12
    batch: int = 16  # samples (picture, level) per step
    levels: int = 4  # samples of one picture per group: they share patches and reference features
    patches: int = 8  # random aligned patches per group
    lr: float = 1e-3
    importance: float = 1.0  # lambda of the visual-importance weight
    ema_decay: float = 0.999
    sur: float = 0.75  # defines the PW-JND of the loss weight and the validation accuracy
    seed: int = 0
    jnd_model: str = "epc"
    checkpoint_seconds: float = 300.0
    peak_in_loss: bool = False  # train the network inside the luma-peak combination (module docstring)
    flips: bool = False  # mirror half of the patch positions (samples.SampleSource.batch)
    monotone: float = 0.0  # weight of the ordering penalty (module docstring)


@dataclass
class State:
    model: VPJNDNet
    ema: VPJNDNet
    optimizer: torch.optim.Optimizer
    epoch: int = 0  # the epoch in progress
    batch: int = 0  # the next batch of that epoch
    step: int = 0
    losses: list[float] = dataclasses.field(default_factory=list)  # of the epoch in progress
    history: list[dict] = dataclasses.field(default_factory=list)
    best: dict | None = None
    peak_head: PeakHead | None = None  # with peak_in_loss


class PeakHead:
    """a, b, c of the training logit a x net + b + c x (ln peak - centre), and their optimiser."""

    def __init__(self, device: torch.device) -> None:
        self.values = torch.nn.Parameter(torch.tensor(_PEAK_HEAD_START, device=device))
        self.optimizer = torch.optim.Adam([self.values], lr=_PEAK_HEAD_LR)

    def logits(self, network_logits: torch.Tensor, log_peaks: torch.Tensor) -> torch.Tensor:
        a, b, c = self.values
        return a * network_logits + b + c * (log_peaks - _LOG_PEAK_CENTRE)

    def calibration(self) -> PeakCalibration:
        """The head as the judge's calibration: a logit + (b - c centre) + c ln peak."""
        a, b, c = (float(v) for v in self.values.detach().cpu())
        return PeakCalibration(net_scale=a, bias=b - c * _LOG_PEAK_CENTRE, peak_slope=c)


def _new_state(net: NetConfig, config: TrainConfig, device: torch.device) -> State:
    torch.manual_seed(config.seed)
    model = VPJNDNet(net)
    for module in model.modules():  # He init: torch's default shrinks activations about 2x per block
        if isinstance(module, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            if module.bias is not None:  # every convolution here has one
                torch.nn.init.zeros_(module.bias)
    model = model.to(device)
    ema = copy.deepcopy(model).eval()
    for parameter in ema.parameters():
        parameter.requires_grad_(False)
    state = State(model, ema, torch.optim.Adam(model.parameters(), lr=config.lr))
    if config.peak_in_loss:
        state.peak_head = PeakHead(device)
    return state


def _save_checkpoint(run: Path, state: State, net: NetConfig, config: TrainConfig) -> None:
    payload = {
        "model": state.model.state_dict(), "ema": state.ema.state_dict(), "optimizer": state.optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(), "epoch": state.epoch, "batch": state.batch, "step": state.step,
        "meta": json.dumps({"net": net.to_dict(), "train": _resumable(config), "history": state.history,
                            "losses": state.losses,
                            "best": state.best}),
    }
    if state.peak_head is not None:
        payload["peak_head"] = state.peak_head.values.detach()
        payload["peak_optimizer"] = state.peak_head.optimizer.state_dict()
    part = run / f".{CHECKPOINT}.part"
    torch.save(payload, part)
    os.replace(part, run / CHECKPOINT)


def _resumable(config: TrainConfig) -> dict:
    """The fields a resumed run must share (more epochs or another checkpoint period are fine)."""
    return {k: v for k, v in dataclasses.asdict(config).items() if k not in ("epochs", "checkpoint_seconds")}


def _load_checkpoint(run: Path, net: NetConfig, config: TrainConfig, device: torch.device) -> State:
    payload = torch.load(run / CHECKPOINT, map_location=device, weights_only=True)
    meta = json.loads(payload["meta"])
    meta["train"].setdefault("peak_in_loss", False)  # checkpoints from before the options
    meta["train"].setdefault("flips", False)
    meta["train"].setdefault("monotone", 0.0)
    architecture = {k: v for k, v in net.to_dict().items() if k != "name"}  # a variant's name is a label
    meta["net"].pop("name", None)
    if meta["net"] != architecture or meta["train"] != _resumable(config):
        saved, now = {**meta["train"], **meta["net"]}, {**_resumable(config), **architecture}
        changes = ", ".join(f"{k} {json.dumps(saved[k])} (now {json.dumps(now.get(k))})"
                            for k in sorted(saved) if now.get(k) != saved[k])
        raise UsageError(f"{run / CHECKPOINT} was made with other settings; resume with the same options. "
                         f"The checkpoint has {changes}")
    state = _new_state(net, config, device)
    state.model.load_state_dict(payload["model"])
    state.ema.load_state_dict(payload["ema"])
    state.optimizer.load_state_dict(payload["optimizer"])
    if state.peak_head is not None:
        with torch.no_grad():
            state.peak_head.values.copy_(payload["peak_head"])
        state.peak_head.optimizer.load_state_dict(payload["peak_optimizer"])
    torch.set_rng_state(payload["torch_rng"])
    state.epoch, state.batch, state.step = payload["epoch"], payload["batch"], payload["step"]
    state.history, state.best, state.losses = meta["history"], meta["best"], meta["losses"]
    return state


def _tensors(batch: Batch, device: torch.device) -> dict[str, torch.Tensor]:
    names: tuple[str, ...] = ("reference", "candidate", "at_pwjnd", "jnd", "owner", "labels", "index")
    names += ("log_peak",) if batch.log_peak is not None else ()
    return {name: torch.from_numpy(getattr(batch, name)).to(device) for name in names}


def _step(state: State, batch: Batch, config: TrainConfig, device: torch.device) -> float:
    t = _tensors(batch, device)
    n, p = t["candidate"].shape[:2]
    with torch.no_grad():
        at_pwjnd = t["at_pwjnd"][t["owner"]]
        similarity = ssim(luma(t["candidate"].flatten(0, 1)), luma(at_pwjnd.flatten(0, 1))).view(n, p).mean(1)
    weight = 1.0 + config.importance * similarity
    state.model.train()
    logits = state.model(t["reference"], t["candidate"], t["jnd"], t["owner"])
    optimizers = [state.optimizer]
    if state.peak_head is not None:
        logits = state.peak_head.logits(logits, t["log_peak"])
        optimizers.append(state.peak_head.optimizer)
    loss = (F.binary_cross_entropy_with_logits(logits, t["labels"], reduction="none") * weight).mean()
    if config.monotone > 0:
        loss = loss + config.monotone * ordering_penalty(logits, t["owner"], t["index"])
    for optimizer in optimizers:
        optimizer.zero_grad(set_to_none=True)
    loss.backward()
    for optimizer in optimizers:
        optimizer.step()
    state.step += 1
    decay = min(config.ema_decay, (1 + state.step) / (10 + state.step))  # short runs: warm the average up
    with torch.no_grad():
        for average, live in zip(state.ema.parameters(), state.model.parameters(), strict=True):
            average.lerp_(live, 1.0 - decay)
    return float(loss.detach())


def ordering_penalty(logits: torch.Tensor, owner: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Mean over the ordered pairs of each group (same owner, index i < j) of max(0, P_j - P_i):
    the probability a more distorted level gains over a less distorted one. 0 without pairs."""
    probability = torch.sigmoid(logits)
    pairs = (owner[:, None] == owner[None, :]) & (index[:, None] < index[None, :])
    if not bool(pairs.any()):
        return logits.new_zeros(())
    rise = probability[None, :] - probability[:, None]  # [i, j]: P_j - P_i
    return F.relu(rise[pairs]).mean()


def train(
    dataset: JndDataset,
    run: Path,
    net: NetConfig,
    config: TrainConfig,
    device: torch.device,
    *,
    resume: bool,
    data_description: str,
    peak_calibration: bool = True,
    display: Display | None = None,
) -> dict:
    """Train (or continue) a run in ``run``; returns the best epoch's record. ``display`` shows a
    progress bar per epoch and a line at each epoch's end.

    Then, with ``peak_calibration``, fit the luma-peak calibration of the best epoch's weights on the
    training pairs (train/peak_calibration.py); also when a finished run is resumed, so an older run
    gets one by resuming it.
    """
    run.mkdir(exist_ok=True)
    if (run / CHECKPOINT).exists() and not resume:
        raise UsageError(f"{run} already holds a checkpoint: pass --resume to continue it, or choose another folder")
    state = _load_checkpoint(run, net, config, device) if resume and (run / CHECKPOINT).exists() \
        else _new_state(net, config, device)
    source = SampleSource(dataset, "train", sur=config.sur, jnd_model=config.jnd_model,
                          peak=LumaPeak() if config.peak_in_loss else None)
    validation = dataset.split("val")
    if not source.samples or not validation:
        raise UsageError("the data needs pictures in both the train and the val split")
    per_step = max(1, config.batch // config.levels)  # groups per step
    display = display or Silent()
    last_checkpoint = time.monotonic()
    try:
        while state.epoch < config.epochs:
            started = time.perf_counter()
            groups = source.groups(config.levels, np.random.default_rng([config.seed, state.epoch]))
            steps = -(-len(groups) // per_step)
            display.start(f"epoch {state.epoch + 1}", steps, state.batch)
            while state.batch < steps:
                chosen = groups[state.batch * per_step : (state.batch + 1) * per_step]
                rng = np.random.default_rng([config.seed, state.epoch, state.batch])
                batch = source.batch(chosen, config.patches, net.patch_size, rng, flips=config.flips)
                state.losses.append(_step(state, batch, config, device))
                state.batch += 1
                display.advance()
                if time.monotonic() - last_checkpoint > config.checkpoint_seconds and state.batch < steps:
                    _save_checkpoint(run, state, net, config)
                    last_checkpoint = time.monotonic()
            head = None if state.peak_head is None else state.peak_head.calibration()
            judge = NetworkJudge.from_model(state.ema, device, calibration=head)
            scores = pair_scores(dataset, judge, validation, config.jnd_model)
            record: dict[str, Any] = {
                "epoch": state.epoch + 1, "steps": state.step, "train_loss": float(np.mean(state.losses)),
                "val_accuracy": scores.accuracy(config.sur), "val_bce": scores.bce(),
                "seconds": round(time.perf_counter() - started, 1)}
            if head is not None:
                record["peak_head"] = {"net_scale": head.net_scale, "bias": head.bias, "peak_slope": head.peak_slope}
            state.history.append(record)
            display.note(f"epoch {record['epoch']}/{config.epochs}: train loss {record['train_loss']:.4f}, "
                 f"val accuracy {record['val_accuracy']:.3f}, val BCE {record['val_bce']:.4f} ({record['seconds']} s)")
            if state.best is None or (record["val_accuracy"], -record["val_bce"]) > (
                    state.best["val_accuracy"], -state.best["val_bce"]):
                state.best = record
                info = _training_info(data_description, dataset, config, state, device)
                save_weights(state.ema, run / PENDING, training=info, ema=True)
            state.epoch, state.batch, state.losses = state.epoch + 1, 0, []
            _save_checkpoint(run, state, net, config)
            last_checkpoint = time.monotonic()
            _write_log(run, net, config, state)
    finally:
        display.stop()
    finished = run / PENDING if (run / PENDING).exists() else run / BEST  # BEST: a finished run resumed
    if finished.exists():
        fit = None
        if peak_calibration:
            try:
                fit = calibrate_weights(finished, dataset, device, config.jnd_model)
            except ValueError as error:  # too few training pairs, or a singular fit
                display.note(f"luma-peak calibration skipped ({error}); the file judges with the network alone")
        if fit is None:
            strip_calibration(finished)
        else:
            _note_calibration(fit, display)
        os.replace(finished, run / BEST)
        _write_log(run, net, config, state, fit)
        try:
            export_graph(run / BEST)
        except ToolMissingError as error:
            display.note(f"no ONNX graph written ({error}); the judge runs the file with torch")
    return state.best or {}


def _note_calibration(fit: CalibrationFit, display: Display) -> None:
    c = fit.calibration
    heads = f", with a head for {', '.join(fit.heads)}" if fit.heads else ""
    display.note(f"luma-peak calibration on {fit.pairs} training pairs: logit P = {c.net_scale:.3f} logit P_net "
         f"{c.bias:+.3f} {c.peak_slope:+.3f} ln peak{heads}; training BCE {fit.network_bce:.4f} -> "
         f"{fit.calibrated_bce:.4f}")


def _training_info(description: str, dataset: JndDataset, config: TrainConfig, state: State,
                   device: torch.device) -> dict:
    return {
        "data": description, "layout": dataset.layout, "codec": dataset.codec_name, "codecs": dataset.codecs,
        "criterion": dataset.criterion,
        "train_pictures": len(dataset.split("train")), "config": dataclasses.asdict(config),
        "epoch": state.epoch + 1, "steps": state.step, "val": state.history[-1],
        "seconds": round(sum(r["seconds"] for r in state.history), 1),
        "date": time.strftime("%Y-%m-%d"), "machine": f"{platform.machine()} {os.cpu_count()} cores, {device}",
        "torch": torch.__version__,
    }


def _write_log(run: Path, net: NetConfig, config: TrainConfig, state: State, fit: CalibrationFit | None = None) -> None:
    log = {"net": net.to_dict(), "train": dataclasses.asdict(config), "epochs": state.history, "best": state.best}
    if fit is not None:
        log["peak_calibration"] = {**fit.calibration.to_dict(), "pairs": fit.pairs, "network_bce": fit.network_bce,
                                   "calibrated_bce": fit.calibrated_bce,
                                   "codec_heads": {codec: head.to_dict() for codec, head in fit.heads.items()}}
    write_atomic(run / LOG, (dumps(nulled(log), indent=2) + "\n").encode(), force=True)  # a diverged loss: null
