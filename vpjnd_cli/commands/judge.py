"""`vpjnd judge`: P(perceptually lossless) of one distorted picture against its reference."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.options import warn
from vpjnd_cli.jsontext import dumps
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    from vpjnd_cli.api import Judgement


def judge_command(
    reference: Annotated[Path, typer.Argument(help="The original picture.", metavar="REF", readable=False,
                                              show_default=False)],
    distorted: Annotated[Path, typer.Argument(help="The compressed picture.", metavar="DIST", readable=False,
                                              show_default=False)],
    judge: opt.JudgeName = None,
    criterion: opt.Criterion = "paper",
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
    vpjnd judge photo.png photo.jpg --criterion strict
    """
    from vpjnd_cli.api import judge as judge_pictures
    from vpjnd_cli.commands.setup import parse_colour
    from vpjnd_cli.settings import Settings

    settings = Settings(judge=judge, criterion=criterion, jnd_model=jnd_model, device=device, weights=weights,
                        background=parse_colour(background), max_pixels=max_pixels, strict=strict)
    judgement = judge_pictures(reference, distorted, settings)
    for note in judgement.warnings:
        warn(note)
    typer.echo(dumps(judgement.to_dict()) if json_output else describe(judgement))


def describe(judgement: Judgement) -> str:
    """"0.8123 (vpjndnet)", naming the criterion when it is not the default one."""
    criterion = "" if judgement.criterion == "paper" else f", {judgement.criterion} criterion"
    return f"{judgement.probability:.4f} ({judgement.judge}{criterion})"
