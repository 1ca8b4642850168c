"""`vpjnd predict`: the predicted picture-wise JND level of each input; nothing is written."""

from __future__ import annotations

from vpjnd_cli.commands import options as opt
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def predict_command(
    sources: opt.Inputs,
    recursive: opt.Recursive = False,
    include: opt.Include = None,
    exclude: opt.Exclude = None,
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
    icc: opt.Icc = "keep",
    jobs: opt.Jobs = 1,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    report: opt.Report = None,
    json_output: opt.Json = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> None:
    """Print the most distorted level (default codec: jpeg) each picture can take unnoticed.

    IN may be files, folders (-r: with subfolders) or '-'; unreadable inputs among several are
    reported and the exit code is 1.

    Examples:

    vpjnd predict photo.png
    vpjnd predict shots/ -r --codec avif --json
    vpjnd predict photo.png --judge pjnd --sur 0.9
    """
    from vpjnd_cli.commands.setup import parse_colour
    from vpjnd_cli.commands.summary import predict_line
    from vpjnd_cli.jobs.batch import run_batch
    from vpjnd_cli.jobs.picture import JobSettings
    from vpjnd_cli.judges import default_judge
    from vpjnd_cli.pipeline import SearchSettings

    settings = JobSettings(
        command="predict",
        codecs=(codec or "jpeg",),
        judge=judge or default_judge((codec or "jpeg",), weights),
        search=SearchSettings(sur=sur, block_size=block_size, jnd_model=jnd_model),
        chroma=chroma,
        bpg_backend=bpg_backend,
        bpgenc=bpgenc,
        bpgdec=bpgdec,
        device=device,
        weights=weights,
        background=parse_colour(background),
        icc=icc,
        max_pixels=max_pixels,
        strict=strict,
    )
    run_batch(
        settings, sources, describe=predict_line, recursive=recursive, include=include or (),
        exclude=exclude or (), jobs=jobs, quiet=quiet, verbose=verbose, report=report, json_output=json_output,
    )
