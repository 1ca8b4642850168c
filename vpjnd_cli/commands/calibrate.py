"""`vpjnd calibrate`: fit a trained network's luma-peak calibration, with a head per codec, on a
labelled corpus, and write the network with it. One network then judges another criterion, or
another set of labels, without being trained again."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.train import DatasetCodec, codec_list


def calibrate_command(
    weights: Annotated[Path, typer.Argument(help="A trained VP-JNDnet weights file.", metavar="WEIGHTS",
                                            show_default=False)],
    corpus: Annotated[Path, typer.Argument(help="A corpus from `vpjnd label`; its train split is used.",
                                           metavar="CORPUS", show_default=False)],
    output: opt.OutputPath,
    codec: DatasetCodec = None,
    device: opt.Device = "auto",
    jnd_model: opt.JndModel = "epc",
    heads: Annotated[str | None, typer.Option("--heads", metavar="CODECS", show_default=False,
                                              help="The codecs that get a head of their own, comma-separated, or "
                                              "none (default: every codec, when CORPUS holds several); the others "
                                              "share the calibration.")] = None,
    heads_only: Annotated[bool, typer.Option("--heads-only", help="Keep WEIGHTS' calibration and heads and add "
                                             "a head for each codec of CORPUS (--codec), fitted on its pairs alone; "
                                             "the other codecs' answers do not move.")] = False,
    norm: Annotated[float | None, typer.Option("--peak-norm", metavar="P", min=1.0, max=16.0, show_default=False,
                                               help="With --heads-only: the new heads also read the luma error's "
                                               "P-norm (3: as butteraugli's 3-norm), beside the file's 99.9th "
                                               "percentile, as a second term.")] = None,
    masking: Annotated[float | None, typer.Option(
        "--masking", metavar="C", min=1e-5, max=1.0, show_default=False,
        help="With --peak-norm: the new heads also read the P-norm of the luma error divided by the "
        "reference's local contrast plus C (0.001: a faint texture), so that an error on a smooth area "
        "weighs more than one hidden in texture, as one more term.")] = None,
    full_size_quantile: Annotated[float | None, typer.Option(
        "--full-size-quantile", metavar="Q", min=0.5, max=0.99999, show_default=False,
        help="With --heads-only: the new heads also read this quantile (0.9999: the top 0.01 %) of the luma "
        "error measured at full size, blurred 1 px, where 4:2:0's thin lines along saturated edges show, as "
        "one more term.")] = None,
    full_size_floor: Annotated[float | None, typer.Option(
        "--full-size-floor", metavar="F", min=0.0, max=0.99, show_default=False,
        help="With --full-size-quantile: the term reads no full-size peak lower than this quantile of the "
        "codec's training pairs' ones (0.5: their median), so that a smooth gradient's tiny peak earns no "
        "reward.")] = None,
    force: opt.Force = False,
) -> None:
    """Fit the network's luma-peak calibration on CORPUS's training pairs, with heads per codec, and
    write the network with them as OUT (and OUT's ONNX graph when the onnx package is installed).

    The tensors stay WEIGHTS'; the header takes the new calibration, CORPUS's criterion and codecs.
    The shipped strict network is the paper network calibrated on strict labels this way.

    Examples:

    vpjnd calibrate vpjndnet.safetensors corpus-strict -o vpjndnet-strict.safetensors
    vpjnd calibrate run/best.safetensors my-corpus --codec jpeg,webp -o mine.safetensors
    vpjnd calibrate run/best.safetensors corpus --heads webp -o shipped.safetensors
    vpjnd calibrate vpjndnet.safetensors webp-corpus --codec webp --heads-only -o mine.safetensors
    vpjnd calibrate vpjndnet.safetensors corpus --codec avif --heads-only --peak-norm 3 -o mine.safetensors
    vpjnd calibrate vpjndnet.safetensors corpus --codec heic --heads-only --full-size-quantile 0.9999 -o out.safetensors
    vpjnd calibrate strict.safetensors corpus --codec bpg --heads-only --peak-norm 3 --masking 0.002 -o out.safetensors
    """
    from vpjnd_cli.console import Console
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.imageio import check_output_path
    from vpjnd_cli.model.device import resolve_device
    from vpjnd_cli.train.peak_calibration import recalibrate

    check_output_path(output, inputs=(weights,), force=force)  # before the fit's minutes of work
    console = Console()
    if heads is not None and heads_only:
        raise UsageError("--heads-only fits a head for each --codec; drop --heads")
    chosen = [] if heads is not None and heads.strip().lower() == "none" else codec_list(heads)
    fit = recalibrate(weights, corpus, output, codecs=codec_list(codec), device=resolve_device(device),
                      jnd_model=jnd_model, heads=chosen, heads_only=heads_only, norm=norm, masking=masking,
                      full_size_quantile=full_size_quantile, full_size_floor=full_size_floor)
    named = f"; a head for {', '.join(fit.heads)}" if fit.heads else ""
    console.note(f"{output}: calibrated on {fit.pairs} training pairs of {corpus}{named}; training BCE "
                 f"{fit.network_bce:.4f} (the network alone) -> {fit.calibrated_bce:.4f}")
