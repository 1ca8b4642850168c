"""`vpjnd judge`: P(perceptually lossless) of one distorted picture against its reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.options import warn
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def judge_command(
    reference: Annotated[Path, typer.Argument(help="The original picture.", metavar="REF", readable=False)],
    distorted: Annotated[Path, typer.Argument(help="The compressed picture.", metavar="DIST", readable=False)],
    judge: opt.JudgeName = None,
    jnd_model: opt.JndModel = "epc",
    device: opt.Device = "auto",
    weights: opt.Weights = None,
    background: opt.Background = "ffffff",
    json_output: opt.Json = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> None:
    """Print the probability that a viewer sees no difference between REF and DIST, and the judge
    that said so: by default the one `compress` uses for DIST's format."""
    import json

    from vpjnd_cli.codecs import codec_for_format
    from vpjnd_cli.commands.setup import check_jnd_model, parse_colour, prepare_pixels
    from vpjnd_cli.errors import InputError
    from vpjnd_cli.imageio import load_image
    from vpjnd_cli.jnd import jnd_map
    from vpjnd_cli.judges import default_judge, get_judge

    background_rgb = parse_colour(background)
    pictures = [load_image(path, max_pixels=max_pixels, strict=strict) for path in (reference, distorted)]
    codec = codec_for_format(pictures[1].format)
    judge_name = judge or default_judge(None if codec is None else (codec,), weights)
    scorer = get_judge(judge_name, device=device, weights=weights)
    for picture in pictures:
        for note in picture.warnings:
            warn(note)
    ref, dist = (prepare_pixels(picture, background_rgb, warn) for picture in pictures)
    if ref.shape != dist.shape:
        raise InputError(
            f"size {dist.shape[1]}x{dist.shape[0]} differs from the reference's {ref.shape[1]}x{ref.shape[0]}",
            distorted,
        )
    prepared = scorer.prepare(ref, jnd_map(ref, check_jnd_model(jnd_model)))
    probability = float(scorer.probabilities(prepared, [dist])[0])
    if json_output:
        typer.echo(json.dumps({"reference": str(reference), "distorted": str(distorted), "judge": judge_name,
                               "probability": probability}))
    else:
        typer.echo(f"{probability:.4f} ({judge_name})")
