"""`vpjnd compress`: the smallest file of the chosen format that the judge says looks the same."""

from __future__ import annotations

from vpjnd_cli.commands import options as opt
from vpjnd_cli.commands.options import warn
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def compress_command(
    source: opt.InputPath,
    output: opt.OutputPath,
    codec: opt.Codec = None,
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
    keep_original: opt.KeepOriginal = False,
    background: opt.Background = "ffffff",
    json_output: opt.Json = False,
    force: opt.Force = False,
    max_pixels: opt.MaxPixels = DEFAULT_MAX_PIXELS,
    strict: opt.Strict = False,
) -> None:
    """Write the most compressed file that a viewer cannot tell from IN (at the --sur target)."""
    import json
    import time

    import typer

    from vpjnd_cli.codecs import codec_for_path
    from vpjnd_cli.commands.setup import (
        build_codec,
        check_jnd_model,
        parse_colour,
        prepare_pixels,
    )
    from vpjnd_cli.commands.summary import (
        level_text,
        plural,
        prediction_record,
        probability_text,
    )
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.imageio import check_output_path, load_image, write_atomic
    from vpjnd_cli.judges import default_judge, get_judge
    from vpjnd_cli.pipeline import SearchSettings, finalise, predict

    started = time.perf_counter()
    codec_name = codec or codec_for_path(output)
    check_output_path(output, inputs=(source,), force=force)
    settings = SearchSettings(sur=sur, block_size=block_size, jnd_model=check_jnd_model(jnd_model), level=level)
    background_rgb = parse_colour(background)
    writer = build_codec(codec_name, chroma=chroma, bpg_backend=bpg_backend, bpgenc=bpgenc, bpgdec=bpgdec)
    if output.suffix.lower() not in writer.extensions:
        warn(f"{output}: the extension does not match the {writer.name} format ({', '.join(writer.extensions)})")
    judge_name = judge or default_judge()
    scorer = get_judge(judge_name, device=device, weights=weights)
    picture = load_image(source, max_pixels=max_pixels, strict=strict)
    if keep_original and picture.format.lower().split("/")[0] != writer.name:
        raise UsageError(f"--keep-original needs an input in the output's format ({writer.name}), not {picture.format}")
    for note in picture.warnings:
        warn(note)
    rgb = prepare_pixels(picture, background_rgb, warn)

    prediction, candidates = predict(rgb, writer, scorer, settings)
    record = prediction_record(str(source), writer, judge_name, sur, prediction)
    if prediction.passed or not keep_original:
        compressed = finalise(prediction, candidates, picture.metadata_to_write(), settings)
        data, index = compressed.data, compressed.index
        record.update(written_level=prediction.ladder[index].label, written_probability=compressed.probability)
        record.update(rejudged=compressed.rejudged)
    else:
        data, index = source.read_bytes(), None
        record.update(written_level=None, written_probability=None, rejudged=False)
    start_write = time.perf_counter()
    write_atomic(output, data, inputs=(source,), force=force)
    seconds = time.perf_counter() - started
    record["seconds"]["write"] = round(time.perf_counter() - start_write, 4)
    record.update(
        output=str(output),
        bytes_in=source.stat().st_size,
        bytes_out=len(data),
        saving=None if index is None else round(1 - candidates.size(index) / candidates.size(0), 6),
        status="ok" if prediction.passed else ("kept original" if index is None else "no level passed"),
        total_seconds=round(seconds, 4),
    )
    if not prediction.passed:
        kept = "the original file" if index is None else f"the least distorted level ({level_text(writer, prediction, 0)})"
        warn(f"{source}: no level reaches SUR {sur:g} with the {judge_name} judge; wrote {kept}")
    if json_output:
        typer.echo(json.dumps(record))
        return
    if index is None:
        shown = "original file kept"
    else:
        shown = (
            f"{level_text(writer, prediction, index)} ({probability_text(record['written_probability'])}), "
            f"{100 * record['saving']:.1f} % smaller than {level_text(writer, prediction, 0)}"
        )
    typer.echo(
        f"{source} -> {output}: {writer.name} {shown}, {len(data):,} bytes, "
        f"{plural(prediction.evaluations, 'evaluation')} in {plural(prediction.batches, 'batch')}, {seconds:.2f} s"
    )
