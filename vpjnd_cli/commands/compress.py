"""`vpjnd compress`: the smallest file of the chosen format that the judge says looks the same,
for one picture or many (vpjnd_cli/jobs does the work)."""

from __future__ import annotations

import os

from vpjnd_cli.commands import options as opt
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def compress_command(
    sources: opt.Inputs,
    recursive: opt.Recursive = False,
    include: opt.Include = None,
    exclude: opt.Exclude = None,
    codec: opt.OutputCodec = None,
    codecs: opt.CodecList = None,
    judge: opt.JudgeName = None,
    criterion: opt.Criterion = "paper",
    sur: opt.Sur = 0.75,
    level: opt.Level = None,
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
    output: opt.OutputTarget = None,
    name_template: opt.NameTemplate = None,
    in_place: opt.InPlace = False,
    backup: opt.Backup = None,
    keep_original: opt.KeepOriginal = False,
    min_saving: opt.MinSaving = 0.0,
    skip_existing: opt.SkipExisting = False,
    dry_run: opt.DryRun = False,
    strip: opt.Strip = False,
    keep: opt.Keep = None,
    icc: opt.Icc = "keep",
    preserve_times: opt.PreserveTimes = False,
    jobs: opt.Jobs = 1,
    executor: opt.Executor = "local",
    ray_address: opt.RayAddress = None,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    report: opt.Report = None,
    json_output: opt.Json = False,
    force: opt.Redo = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> int:
    """Write the most compressed file that a viewer cannot tell from each IN (at the --sur target).

    IN may be files, folders (-r: with subfolders) or '-'. Outputs: -o FILE for one input, -o DIR
    (mirrors the input folders; a new one ends in /), --name-template, or --in-place. An output
    is never larger than its input (else the original is kept), inputs vpjnd wrote are skipped,
    and one bad file does not stop the others (exit code 1 at the end).

    Examples:

    vpjnd compress photo.png -o photo.jpg
    vpjnd compress shots/ -r -o small/ -j 0 --report report.csv
    vpjnd compress *.jpg --in-place --backup .orig
    """
    from pathlib import Path

    from vpjnd_cli.commands.batch import finish
    from vpjnd_cli.commands.setup import check_backup_suffix, metadata_kinds, parse_colour
    from vpjnd_cli.commands.summary import compress_line
    from vpjnd_cli.console import Console
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.jobs.batch import Inputs, choose_codecs, run_batch
    from vpjnd_cli.jobs.inputs import STDIO
    from vpjnd_cli.settings import Settings

    if in_place and (output is not None or name_template is not None):
        raise UsageError("--in-place writes over the inputs: drop -o and --name-template")
    if in_place and (codec == "auto" or codecs is not None):
        raise UsageError("--in-place keeps each file's format: name one --codec (default jpeg), not auto")
    if backup is not None and not in_place:
        raise UsageError("--backup keeps the inputs that --in-place replaces: add --in-place")
    if output is None and name_template is None and not in_place:
        raise UsageError("say where outputs go: -o FILE, -o DIR, -o - (standard output), --name-template or "
                         "--in-place")
    if skip_existing and force:
        raise UsageError("--skip-existing and --force contradict each other")
    target = None if output is None else Path(output)
    if target == STDIO and json_output:
        raise UsageError("-o - writes the picture on stdout; use --report FILE for the numbers")
    folder = output is not None and output != "-" and output.endswith(("/", os.sep))
    chosen = choose_codecs(codec, codecs, sources, target, folder)
    if level is not None and len(chosen) > 1:
        raise UsageError("--level names one codec's setting; it cannot be used with --codec auto")
    settings = Settings(
        codecs=chosen, judge=judge, criterion=criterion, sur=sur, level=level, search_method=search,
        block_size=block_size, min_level=min_level, max_level=max_level, chroma=chroma,
        jnd_model=jnd_model, device=device, weights=weights, bpg_backend=bpg_backend, bpgenc=bpgenc, bpgdec=bpgdec,
        background=parse_colour(background), icc=icc, keep=metadata_kinds(strip, keep), max_pixels=max_pixels,
        strict=strict, min_saving=min_saving, keep_original=keep_original, force=force, skip_existing=skip_existing,
        dry_run=dry_run, preserve_times=preserve_times, level_saving=json_output,
    )
    inputs = Inputs(
        tuple(sources), output=target, folder=folder, template=name_template, in_place=in_place,
        backup=None if backup is None else check_backup_suffix(backup), recursive=recursive,
        include=tuple(include or ()), exclude=tuple(exclude or ()),
    )
    with Console(quiet=quiet, verbose=verbose, json_output=json_output, describe=compress_line,
                 picture_on_stdout=target == STDIO) as console:
        outcome = run_batch("compress", settings, inputs, jobs=jobs, report=report, display=console,
                            executor=executor, ray_address=ray_address)
        return finish(console, outcome, "compress")
