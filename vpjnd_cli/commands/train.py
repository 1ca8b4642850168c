"""`vpjnd train`: train VP-JNDnet on a labelled set (our corpus, MCL-JCI or KonJND-1k)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.model.variants import DEFAULT_VARIANT, VARIANTS

Architecture = Literal[tuple(VARIANTS)]  # type: ignore[valid-type]
VARIANT = "; default: the --arch variant's"

Data = Annotated[Path, typer.Argument(help="A corpus from `vpjnd label`, or an MCL-JCI or KonJND-1k folder.",
                                      metavar="DATA", show_default=False)]
DatasetCodec = Annotated[str | None,
                         typer.Option("--codec", metavar="CODECS", show_default=False, rich_help_panel=opt.INPUTS,
                                      help="Our corpus: the codecs to use, comma-separated (default: all it holds); "
                                      "KonJND-1k: jpeg (default) or bpg.")]
Votes = Annotated[Path | None, typer.Option("--votes", metavar="FILE", rich_help_panel=opt.INPUTS,
                                            help="MCL-JCI: votes in sur_pairs.csv format "
                                            "(default DATA/sur_pairs.csv).")]
SplitSeed = Annotated[int, typer.Option("--split-seed", metavar="N", rich_help_panel=opt.INPUTS,
                                        help="Seed of the MCL-JCI / KonJND-1k split (ours is in the manifest).")]


def _channels(text: str | None) -> tuple[int, ...] | None:
    from vpjnd_cli.errors import UsageError

    if text is None:
        return None
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


# Training.
RunFolder = Annotated[Path, typer.Option("--output", "-o", metavar="RUN", show_default=False,
                                         help="Run folder: best.safetensors, checkpoint.pt, log.json.")]
Epochs = Annotated[int, typer.Option("--epochs", min=1, metavar="N", help="Epochs in total (also when resuming).")]
Batch = Annotated[int, typer.Option("--batch", min=1, metavar="N", help="Samples (picture, level) per step.")]
Levels = Annotated[int, typer.Option("--levels", min=1, metavar="N",
                                     help="Levels of one picture per group; a group shares its patches and reference "
                                     "features.")]
Patches = Annotated[int, typer.Option("--patches", min=1, metavar="N", help="Random patches per group in training.")]
Rate = Annotated[float, typer.Option("--lr", min=0.0, metavar="RATE", help="Adam learning rate.")]
Importance = Annotated[float, typer.Option("--importance", min=0.0, metavar="LAMBDA",
                                           help="lambda: loss weight 1 + lambda x SSIM(candidate, PW-JND picture).")]
Seed = Annotated[int, typer.Option("--seed", metavar="N", help="Seed of initialisation, sample order and patches.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue RUN's checkpoint.")]
# The network: a variant, and single fields changed.
Arch = Annotated[Architecture, typer.Option("--arch", help="The network variant: vpjndnet-small (the shipped size) "
                                            "or vpjndnet-paper (the released layer sizes); the options below change "
                                            "single fields of it.")]
Channels = Annotated[str | None, typer.Option("--channels", metavar="LIST", show_default=False,
                                              help="Channels per block" + VARIANT + ".")]
PatchSize = Annotated[int | None, typer.Option("--patch-size", min=8, metavar="PX", show_default=False,
                                               help="Patch side in pixels" + VARIANT + ".")]
Hidden = Annotated[int | None, typer.Option("--hidden", min=1, metavar="N", show_default=False,
                                            help="Hidden units of the heads" + VARIANT + ".")]
InferencePatches = Annotated[int | None, typer.Option("--inference-patches", min=1, metavar="N", show_default=False,
                                                      help="Patches per picture at inference" + VARIANT + ".")]
DifferenceGain = Annotated[float | None, typer.Option("--difference-gain", min=0.0, metavar="G", show_default=False,
                                                      help="Heads read F_R + g (F_D - F_R) (1 = as released)"
                                                      + VARIANT + ".")]
WeightActivation = Annotated[Literal["softplus", "relu"] | None, typer.Option(
    "--weight-activation", show_default=False,
    help="Patch vote weight: softplus, or relu (as released; it can die, leaving a plain mean)" + VARIANT + ".")]
FlipAverage = Annotated[bool | None, typer.Option(
    "--flip-average/--no-flip-average", show_default=False,
    help="Judge by the mean logit of the patches and their mirror images (twice the network's work; stored in the "
    "weights)" + VARIANT + " (off in both).")]
OrientPatches = Annotated[bool | None, typer.Option(
    "--orient-patches/--no-orient-patches", show_default=False,
    help="Mirror each patch whose reference leans right, so that a picture and its mirror image get the same "
    "answer (no extra work; stored in the weights)" + VARIANT + " (off in both).")]
# The judge it trains for.
PeakCalibrate = Annotated[bool, typer.Option("--peak-calibration/--no-peak-calibration",
                                               help="After training, fit the luma-peak calibration on the training "
                                               "pairs (off: the network alone, as in the paper).")]
PeakInLoss = Annotated[bool, typer.Option("--peak-in-loss/--no-peak-in-loss",
                                          help="Train the network inside the luma-peak combination, so it learns "
                                          "what the peak misses (off: trained alone, calibrated after; "
                                          "--no-peak-calibration implies off).")]
Flips = Annotated[bool, typer.Option("--flips/--no-flips",
                                     help="Mirror half of the training patches (left-right, in every stream alike).")]
Monotone = Annotated[float, typer.Option("--monotone", min=0.0, metavar="W",
                                         help="Weight of the ordering penalty: within a group, the probability a more "
                                         "distorted level gains over a less distorted one (0: off).")]


def train_command(
    data: Data,
    output: RunFolder,
    epochs: Epochs = 12,
    batch: Batch = 16,
    levels: Levels = 4,
    patches: Patches = 8,
    lr: Rate = 1e-3,
    importance: Importance = 1.0,
    sur: opt.Sur = 0.75,
    seed: Seed = 0,
    device: opt.Device = "auto",
    resume: Resume = False,
    arch: Arch = DEFAULT_VARIANT,
    channels: Channels = None,
    patch_size: PatchSize = None,
    hidden: Hidden = None,
    inference_patches: InferencePatches = None,
    difference_gain: DifferenceGain = None,
    weight_activation: WeightActivation = None,
    peak_calibration: PeakCalibrate = True,
    peak_in_loss: PeakInLoss = True,
    flips: Flips = True,
    monotone: Monotone = 0.0,
    flip_average: FlipAverage = None,
    orient_patches: OrientPatches = None,
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
    vpjnd train mcl-jci/ -o run-mcl --arch vpjndnet-paper --epochs 20 --device cuda
    """
    import time

    from vpjnd_cli.console import Console
    from vpjnd_cli.errors import OutputError, UsageError
    from vpjnd_cli.model.device import resolve_device
    from vpjnd_cli.model.variants import get_variant
    from vpjnd_cli.train.detect import open_training_set
    from vpjnd_cli.train.trainer import BEST, TrainConfig, train

    if not output.parent.is_dir():
        raise OutputError("the run folder's parent does not exist", output)
    changes = {"hidden": hidden, "patch_size": patch_size, "patches_per_picture": inference_patches,
               "difference_gain": difference_gain, "weight_activation": weight_activation, "flip_average": flip_average,
               "orient_patches": orient_patches}
    try:
        net = get_variant(arch, _channels(channels), **{k: v for k, v in changes.items() if v is not None})
    except ValueError as error:
        raise UsageError(f"network: {error}") from None
    config = TrainConfig(epochs=epochs, batch=batch, levels=levels, patches=patches, lr=lr, importance=importance,
                         sur=sur, seed=seed, checkpoint_seconds=60 * checkpoint_minutes,
                         peak_in_loss=peak_in_loss and peak_calibration, flips=flips, monotone=monotone)
    dataset = open_training_set(data, codecs=codec_list(codec), votes=votes, seed=split_seed)
    started = time.perf_counter()
    with Console() as console:
        best = train(dataset, output, net, config, resolve_device(device), resume=resume, display=console,
                     data_description=f"{dataset.layout} {data.resolve().name}", peak_calibration=peak_calibration)
    typer.echo(f"{output / BEST}: epoch {best.get('epoch')}, val accuracy {best.get('val_accuracy', float('nan')):.3f} "
               f"({time.perf_counter() - started:.0f} s)")
