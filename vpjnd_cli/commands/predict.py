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
    criterion: opt.Criterion = "paper",
    sur: opt.Sur = 0.75,
    min_level: opt.MinLevel = None,
    max_level: opt.MaxLevel = None,
    search: opt.SearchName = "spread",
    block_size: opt.BlockSize = 8,
    chroma: opt.Chroma = "auto",
    jnd_model: opt.JndModel = "epc",
    device: opt.Device = "auto",
    weights: opt.Weights = None,
    bpg_backend: opt.BpgBackend = "auto",
    bpgenc: opt.BpgEncoder = None,
    bpgdec: opt.BpgDecoder = None,
    background: opt.Background = "ffffff",
    icc: opt.Icc = "keep",
    jobs: opt.Jobs = 1,
    executor: opt.Executor = "local",
    ray_address: opt.RayAddress = None,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    report: opt.Report = None,
    json_output: opt.Json = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> int:
    """Print the most distorted level (default codec: jpeg) each picture can take unnoticed.

    IN may be files, folders (-r: with subfolders) or '-'; unreadable inputs among several are
    reported and the exit code is 1.

    Examples:

    vpjnd predict photo.png
    vpjnd predict shots/ -r --codec avif --json
    vpjnd predict photo.png --judge pjnd --sur 0.9
    """
    from vpjnd_cli.commands.batch import finish
    from vpjnd_cli.commands.setup import parse_colour
    from vpjnd_cli.commands.summary import predict_line
    from vpjnd_cli.console import Console
    from vpjnd_cli.jobs.batch import Inputs, run_batch
    from vpjnd_cli.settings import Settings

    settings = Settings(
        codecs=(codec or "jpeg",), judge=judge, criterion=criterion, sur=sur, search_method=search,
        block_size=block_size, min_level=min_level, max_level=max_level, chroma=chroma,
        jnd_model=jnd_model, device=device, weights=weights, bpg_backend=bpg_backend, bpgenc=bpgenc, bpgdec=bpgdec,
        background=parse_colour(background), icc=icc, max_pixels=max_pixels, strict=strict,
    )
    inputs = Inputs(tuple(sources), recursive=recursive, include=tuple(include or ()), exclude=tuple(exclude or ()))
    with Console(quiet=quiet, verbose=verbose, json_output=json_output, describe=predict_line) as console:
        outcome = run_batch("predict", settings, inputs, jobs=jobs, report=report, display=console,
                            executor=executor, ray_address=ray_address)
        return finish(console, outcome, "predict")
