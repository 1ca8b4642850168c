"""`vpjnd judge`: P(perceptually lossless) of one distorted picture against its reference."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.options import warn
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def judge_command(
    reference: Annotated[Path, typer.Argument(help="The original picture.", metavar="REF", readable=False,
                                              show_default=False)],
    distorted: Annotated[Path, typer.Argument(help="The compressed picture.", metavar="DIST", readable=False,
                                              show_default=False)],
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
    that said so: by default the one `compress` uses for DIST's format.

    Transparent pictures are compared as compress compares them: the colour over --background,
    and the alpha planes on their own (the lower probability counts).

    Examples:

    vpjnd judge photo.png photo.jpg
    vpjnd judge photo.png photo.webp --judge pjnd --json
    """
    import json

    import numpy as np

    from vpjnd_cli.codecs import codec_for_format
    from vpjnd_cli.commands.setup import parse_colour
    from vpjnd_cli.errors import InputError
    from vpjnd_cli.imageio import load_image
    from vpjnd_cli.judges import default_judge, get_judge
    from vpjnd_cli.pipeline import prepare_reference
    from vpjnd_cli.source import source_of

    background_rgb = parse_colour(background)
    ref, dist = (load_image(path, max_pixels=max_pixels, strict=strict) for path in (reference, distorted))
    codec = codec_for_format(dist.format)
    judge_name = judge or default_judge(None if codec is None else (codec,), weights)
    scorer = get_judge(judge_name, device=device, weights=weights)
    for picture in (ref, dist):
        for note in picture.warnings:
            warn(note)
    if ref.rgb.shape != dist.rgb.shape:
        raise InputError(f"size {dist.width}x{dist.height} differs from the reference's {ref.width}x{ref.height}",
                         distorted)
    prepared = prepare_reference(source_of(ref, background_rgb, in_profile=False), scorer, jnd_model)
    pixels = dist.rgb if dist.alpha is None else np.dstack((dist.rgb, dist.alpha))
    probability = float(prepared.judge(scorer, [pixels])[0])
    if json_output:
        typer.echo(json.dumps({"reference": str(reference), "distorted": str(distorted), "judge": judge_name,
                               "probability": probability}))
    else:
        typer.echo(f"{probability:.4f} ({judge_name})")
