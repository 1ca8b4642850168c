"""`vpjnd predict`: the predicted picture-wise JND level of each input; nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.options import warn
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def predict_command(
    paths: Annotated[list[Path], typer.Argument(help="Input pictures.", metavar="IN...", readable=False)],
    codec: opt.Codec = None,
    judge: opt.JudgeName = None,
    sur: opt.Sur = 0.75,
    block_size: opt.BlockSize = 8,
    chroma: opt.Chroma = "420",
    jnd_model: opt.JndModel = "epc",
    device: opt.Device = "auto",
    weights: opt.Weights = None,
    bpg_backend: opt.BpgBackend = "auto",
    bpgenc: opt.BpgEncoder = None,
    bpgdec: opt.BpgDecoder = None,
    background: opt.Background = "ffffff",
    json_output: opt.Json = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> None:
    """Print the most distorted level (default codec: jpeg) each picture can take unnoticed."""
    import json

    from vpjnd_cli.commands.batch import each_picture
    from vpjnd_cli.commands.setup import (
        build_codec,
        check_jnd_model,
        parse_colour,
        prepare_pixels,
    )
    from vpjnd_cli.commands.summary import (
        level_text,
        prediction_record,
        probability_text,
    )
    from vpjnd_cli.judges import default_judge, get_judge
    from vpjnd_cli.pipeline import SearchSettings, predict

    settings = SearchSettings(sur=sur, block_size=block_size, jnd_model=check_jnd_model(jnd_model))
    background_rgb = parse_colour(background)
    writer = build_codec(codec or "jpeg", chroma=chroma, bpg_backend=bpg_backend, bpgenc=bpgenc, bpgdec=bpgdec)
    judge_name = judge or default_judge()
    scorer = get_judge(judge_name, device=device, weights=weights)
    for path, picture in each_picture(paths, max_pixels=max_pixels, strict=strict):
        prediction, _ = predict(prepare_pixels(picture, background_rgb, warn), writer, scorer, settings)
        if json_output:
            typer.echo(json.dumps(prediction_record(str(path), writer, judge_name, sur, prediction)))
        elif prediction.chosen is None:
            typer.echo(f"{path}: {writer.name} none (no level reaches SUR {sur:g}; best tried {level_text(writer, prediction, 0)})")
        else:
            probability = probability_text(prediction.probabilities[prediction.chosen])
            typer.echo(f"{path}: {writer.name} {level_text(writer, prediction, prediction.chosen)} ({probability})")
