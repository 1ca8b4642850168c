"""`vpjnd compress`: the smallest file of the chosen format that the judge says looks the same,
for one picture or many (vpjnd_cli/jobs does the work)."""

from __future__ import annotations

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
    sur: opt.Sur = 0.75,
    level: opt.Level = None,
    block_size: opt.BlockSize = 8,
    chroma: opt.Chroma = "420",
    jnd_model: opt.JndModel = "epc",
    device: opt.Device = "auto",
    weights: opt.Weights = None,
    bpg_backend: opt.BpgBackend = "auto",
    bpgenc: opt.BpgEncoder = None,
    bpgdec: opt.BpgDecoder = None,
    background: opt.Background = "ffffff",
    output: opt.OutputTarget = None,
    name_template: opt.NameTemplate = None,
    keep_original: opt.KeepOriginal = False,
    min_saving: opt.MinSaving = 0.0,
    skip_existing: opt.SkipExisting = False,
    dry_run: opt.DryRun = False,
    strip: opt.Strip = False,
    keep: opt.Keep = None,
    icc: opt.Icc = "keep",
    preserve_times: opt.PreserveTimes = False,
    jobs: opt.Jobs = 1,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    report: opt.Report = None,
    json_output: opt.Json = False,
    force: opt.Redo = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> None:
    """Write the most compressed file that a viewer cannot tell from each IN (at the --sur target).

    IN may be files, folders (-r: with subfolders) or '-'. Outputs: -o FILE for one input, -o DIR
    (mirrors the input folders), or --name-template. An output is never larger than its input
    (else the original is kept), inputs vpjnd wrote are skipped, and one bad file does not stop
    the others (exit code 1 at the end).

    Examples:

    vpjnd compress photo.png -o photo.jpg
    vpjnd compress shots/ -r -o small/ -j 0 --report report.csv
    vpjnd compress logo.png -o logo.webp --sur 0.9 --judge pjnd
    """
    from vpjnd_cli.commands.setup import metadata_kinds, parse_colour
    from vpjnd_cli.commands.summary import compress_line
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.jobs.batch import choose_codecs, run_batch
    from vpjnd_cli.jobs.picture import JobSettings
    from vpjnd_cli.judges import default_judge
    from vpjnd_cli.pipeline import SearchSettings

    if output is None and name_template is None:
        raise UsageError("say where outputs go: -o FILE, -o DIR, -o - (standard output) or --name-template")
    if skip_existing and force:
        raise UsageError("--skip-existing and --force contradict each other")
    chosen = choose_codecs(codec, codecs, sources, output)
    if level is not None and len(chosen) > 1:
        raise UsageError("--level names one codec's setting; it cannot be used with --codec auto")
    settings = JobSettings(
        command="compress",
        codecs=chosen,
        judge=judge or default_judge(chosen, weights),
        search=SearchSettings(sur=sur, block_size=block_size, jnd_model=jnd_model, level=level),
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
        keep=metadata_kinds(strip, keep),
        min_saving=min_saving,
        keep_original=keep_original,
        force=force,
        skip_existing=skip_existing,
        dry_run=dry_run,
        preserve_times=preserve_times,
    )
    run_batch(
        settings, sources, describe=compress_line, output=output, template=name_template, recursive=recursive,
        include=include or (), exclude=exclude or (), jobs=jobs, quiet=quiet, verbose=verbose, report=report,
        json_output=json_output,
    )
