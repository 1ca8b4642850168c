"""`vpjnd train`: train VP-JNDnet on a labelled set (our corpus, MCL-JCI or KonJND-1k)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from vpjnd_cli.commands import options as opt

# The shipped model's size (weights/MODEL_CARD.md): small enough that labelling + training fit in
# 90 minutes on a 2-core CPU; the paper's layer sizes are --channels 32,64,128,256 --patch-size 128.
DEFAULT_CHANNELS = "16,32,64,128"
DEFAULT_PATCH = 64
DEFAULT_HIDDEN = 128
DEFAULT_INFERENCE_PATCHES = 32
DEFAULT_DIFFERENCE_GAIN = 100.0  # see NetConfig.difference_gain
DEFAULT_WEIGHT_ACTIVATION = "softplus"  # see NetConfig.weight_activation

Data = Annotated[Path, typer.Argument(help="A corpus from `vpjnd label`, or an MCL-JCI or KonJND-1k folder.",
                                      metavar="DATA", show_default=False)]
DatasetCodec = Annotated[str | None,
                         typer.Option("--codec", metavar="CODECS", show_default=False, rich_help_panel=opt.INPUTS,
                                      help="Our corpus: the codecs to use, comma-separated (default: all it holds); "
                                      "KonJND-1k: jpeg (default) or bpg.")]
Votes = Annotated[Path | None, typer.Option("--votes", metavar="FILE", rich_help_panel=opt.INPUTS,
                                            help="MCL-JCI: votes in sur_pairs.csv format (default DATA/sur_pairs.csv).")]
SplitSeed = Annotated[int, typer.Option("--split-seed", metavar="N", rich_help_panel=opt.INPUTS,
                                        help="Seed of the MCL-JCI / KonJND-1k split (ours is in the manifest).")]


def _channels(text: str) -> tuple[int, ...]:
    from vpjnd_cli.errors import UsageError

    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise UsageError(f"--channels must be comma-separated integers, not {text!r}") from None
    return values


def codec_list(text: str | None) -> list[str] | None:
    """``--codec jpeg,webp`` (or ``all``) as a list of known codec names (None: the data's own)."""
    from vpjnd_cli.codecs import available_codecs
    from vpjnd_cli.errors import UsageError

    if text is None:
        return None
    if text.strip().lower() == "all":
        return available_codecs()
    names = list(dict.fromkeys(name.strip().lower() for name in text.split(",") if name.strip()))
    unknown = [name for name in names if name not in available_codecs()]
    if not names or unknown:
        raise UsageError(f"--codec takes codec names among {', '.join(available_codecs())}, not {text!r}")
    return names


def train_command(
    data: Data,
    output: Annotated[Path, typer.Option("--output", "-o", help="Run folder: best.safetensors, checkpoint.pt, log.json.",
                                         metavar="RUN", show_default=False)],
    epochs: Annotated[int, typer.Option("--epochs", min=1, metavar="N", help="Epochs in total (also when resuming).")] = 12,
    batch: Annotated[int, typer.Option("--batch", min=1, metavar="N", help="Samples (picture, level) per step.")] = 16,
    levels: Annotated[int, typer.Option("--levels", min=1, metavar="N", help="Levels of one picture per group; a group shares "
                                        "its patches and reference features.")] = 4,
    patches: Annotated[int, typer.Option("--patches", min=1, metavar="N", help="Random patches per group in training.")] = 8,
    lr: Annotated[float, typer.Option("--lr", min=0.0, metavar="RATE", help="Adam learning rate.")] = 1e-3,
    importance: Annotated[float, typer.Option("--importance", min=0.0, metavar="LAMBDA", help="lambda: loss weight 1 + lambda x "
                                              "SSIM(candidate, PW-JND picture).")] = 1.0,
    sur: opt.Sur = 0.75,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of initialisation, sample order and patches.")] = 0,
    device: opt.Device = "auto",
    resume: Annotated[bool, typer.Option("--resume", help="Continue RUN's checkpoint.")] = False,
    channels: Annotated[str, typer.Option("--channels", metavar="LIST", help="Channels per block.")] = DEFAULT_CHANNELS,
    patch_size: Annotated[int, typer.Option("--patch-size", min=8, metavar="PX", help="Patch side in pixels.")] = DEFAULT_PATCH,
    hidden: Annotated[int, typer.Option("--hidden", min=1, metavar="N", help="Hidden units of the heads.")] = DEFAULT_HIDDEN,
    inference_patches: Annotated[int, typer.Option("--inference-patches", min=1, metavar="N",
                                                   help="Patches per picture at inference.")] = DEFAULT_INFERENCE_PATCHES,
    difference_gain: Annotated[float, typer.Option("--difference-gain", min=0.0, metavar="G",
                                                   help="Heads read F_R + g (F_D - F_R) (1 = as released).")] = DEFAULT_DIFFERENCE_GAIN,
    weight_activation: Annotated[Literal["softplus", "relu"], typer.Option(
        "--weight-activation", help="Patch vote weight: softplus, or relu (as released; it can die, leaving a plain "
        "mean).")] = DEFAULT_WEIGHT_ACTIVATION,
    peak_calibration: Annotated[bool, typer.Option("--peak-calibration/--no-peak-calibration",
                                                   help="After training, fit the luma-peak calibration on the "
                                                   "training pairs (off: the network alone, as in the paper).")] = True,
    peak_in_loss: Annotated[bool, typer.Option("--peak-in-loss/--no-peak-in-loss",
                                               help="Train the network inside the luma-peak combination, so it "
                                               "learns what the peak misses (off: trained alone, calibrated "
                                               "after; --no-peak-calibration implies off).")] = True,
    flips: Annotated[bool, typer.Option("--flips/--no-flips", help="Mirror half of the training patches "
                                        "(left-right, in every stream alike).")] = True,
    flip_average: Annotated[bool, typer.Option("--flip-average/--no-flip-average",
                                               help="Judge by the mean logit of the patches and their mirror "
                                               "images (twice the network's work; stored in the weights).")] = False,
    checkpoint_minutes: Annotated[float, typer.Option("--checkpoint-minutes", min=0.0, metavar="MIN",
                                                      help="Checkpoint period within an epoch.")] = 5.0,
    codec: DatasetCodec = None,
    votes: Votes = None,
    split_seed: SplitSeed = 0,
) -> None:
    """Train VP-JNDnet; writes RUN/best.safetensors (EMA weights of the best validation epoch).

    Examples:

    vpjnd train corpus -o run
    vpjnd train corpus -o run --resume
    vpjnd train mcl-jci/ -o run-mcl --epochs 20 --device cuda
    """
    import time

    from vpjnd_cli.errors import OutputError, UsageError
    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.device import resolve_device
    from vpjnd_cli.train.detect import open_training_set
    from vpjnd_cli.train.trainer import BEST, TrainConfig, train

    if not output.parent.is_dir():
        raise OutputError("the run folder's parent does not exist", output)
    widths = _channels(channels)
    try:
        net = NetConfig(channels=widths, attention=("channel",) * (len(widths) - 1) + ("nonlocal",),
                        reduction=min(16, max(1, min(widths) // 2)), hidden=hidden, patch_size=patch_size,
                        patches_per_picture=inference_patches, difference_gain=difference_gain,
                        weight_activation=weight_activation, flip_average=flip_average)
    except ValueError as error:
        raise UsageError(f"network: {error}") from None
    config = TrainConfig(epochs=epochs, batch=batch, levels=levels, patches=patches, lr=lr, importance=importance,
                         sur=sur, seed=seed, checkpoint_seconds=60 * checkpoint_minutes,
                         peak_in_loss=peak_in_loss and peak_calibration, flips=flips)
    dataset = open_training_set(data, codecs=codec_list(codec), votes=votes, seed=split_seed)
    started = time.perf_counter()
    best = train(dataset, output, net, config, resolve_device(device), resume=resume, note=_note,
                 data_description=f"{dataset.layout} {data.resolve().name}", peak_calibration=peak_calibration)
    typer.echo(f"{output / BEST}: epoch {best.get('epoch')}, val accuracy {best.get('val_accuracy', float('nan')):.3f} "
               f"({time.perf_counter() - started:.0f} s)")


def _note(message: str) -> None:
    typer.echo(f"vpjnd: {message}", err=True)
