"""The Python API: what ``vpjnd compress``, ``predict`` and ``judge`` do, as functions.

    from vpjnd_cli import Settings, compress

    result = compress("photo.png", "photo.jpg", Settings(sur=0.9))
    print(result.status, result.written_level, result.saving)

``compress`` and ``predict`` handle one picture and raise the library's errors (``VpjndError``
and its subclasses, each with the command line's exit code); ``compress_many`` and
``predict_many`` walk files and folders and yield one ``Result`` per picture, a failed picture
included (``Status.FAILED``, its cause in ``error``), as the command line does. Nothing here
prints; warnings travel in ``Result.warnings``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from vpjnd_cli.errors import InputError, UsageError
from vpjnd_cli.jobs.batch import Batch, Inputs, choose_codecs
from vpjnd_cli.jobs.signals import job
from vpjnd_cli.results import Result
from vpjnd_cli.settings import Settings

PathLike = str | Path


def compress(source: PathLike, output: PathLike, settings: Settings | None = None) -> Result:
    """Write the most compressed ``output`` a viewer cannot tell from ``source``.

    The format is ``settings.codecs`` (several: the smallest passing file), else ``output``'s
    extension. As on the command line, ``output`` is never larger than ``source`` (else the
    original is kept: ``Status.KEPT_ORIGINAL``), an existing output is replaced only with
    ``force`` or when vpjnd wrote it with other settings, and a source vpjnd wrote is skipped.
    """
    source, output = _one_picture(source), Path(output)
    settings = settings or Settings()
    if not settings.codecs:
        settings = replace(settings, codecs=choose_codecs(None, None, [source], output))
    return _run("compress", settings, Inputs((source,), output=output))


def predict(source: PathLike, settings: Settings | None = None) -> Result:
    """The most distorted level of ``settings.codecs[0]`` (default JPEG) that ``source`` takes
    unnoticed: ``Result.level`` (None when no level passed) and its ``probability``."""
    settings = _predicting(settings)
    return _run("predict", settings, Inputs((_one_picture(source),)))


def compress_many(
    sources: Iterable[PathLike], output: PathLike | None = None, settings: Settings | None = None, *,
    template: str | None = None, recursive: bool = False, jobs: int = 1, executor: str = "local",
    ray_address: str | None = None,
) -> Iterator[Result]:
    """Compress files and folders' pictures (``recursive``: with subfolders). Pictures that need no
    search (skipped, unreadable) come first; then the others in input order, or with ``jobs``
    worker processes (0: one per CPU) as they finish; ``executor`` "ray": as Ray tasks on the
    cluster at ``ray_address`` ("auto" or HOST:PORT; None: a local Ray of ``jobs`` CPUs).

    Outputs mirror the input folders under the folder ``output`` (created when missing), named by
    ``template`` ("{stem}.small{ext}"; fields stem, name, suffix, ext, codec); without ``output``
    they sit beside their inputs, which ``template`` must then name apart from them.
    """
    settings = settings or Settings()
    if not settings.codecs:
        settings = replace(settings, codecs=("jpeg",))
    folder = None if output is None else Path(output)
    inputs = Inputs(tuple(map(Path, sources)), output=folder, folder=folder is not None, template=template,
                    recursive=recursive)
    yield from _results("compress", settings, inputs, jobs, executor, ray_address)


def predict_many(
    sources: Iterable[PathLike], settings: Settings | None = None, *, recursive: bool = False, jobs: int = 1,
    executor: str = "local", ray_address: str | None = None,
) -> Iterator[Result]:
    """``predict`` for files and folders' pictures; one ``Result`` each (see ``compress_many``)."""
    inputs = Inputs(tuple(map(Path, sources)), recursive=recursive)
    yield from _results("predict", _predicting(settings), inputs, jobs, executor, ray_address)


@dataclass(frozen=True)
class Judgement:
    """P(a viewer sees no difference) between two pictures, and the judge that said so."""

    reference: str
    distorted: str
    judge: str
    probability: float
    criterion: str = "paper"
    warnings: list[str] = field(default_factory=list, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"reference": self.reference, "distorted": self.distorted, "judge": self.judge,
                "criterion": self.criterion, "probability": self.probability}


def judge(reference: PathLike, distorted: PathLike, settings: Settings | None = None) -> Judgement:
    """Judge ``distorted`` against ``reference`` (same size, any readable format) as ``compress``
    judges its candidates: by default with the judge it uses for ``distorted``'s format, colour
    over ``settings.background`` and alpha planes on their own (the lower probability counts)."""
    import numpy as np

    from vpjnd_cli.codecs import codec_for_format
    from vpjnd_cli.imageio import load_image
    from vpjnd_cli.judges import get_judge
    from vpjnd_cli.pipeline import prepare_reference
    from vpjnd_cli.source import source_of

    settings = settings or Settings()
    ref, dist = (load_image(Path(path), max_pixels=settings.max_pixels, strict=settings.strict)
                 for path in (reference, distorted))
    codec = codec_for_format(dist.format)
    name = settings.judge_for(None if codec is None else (codec,))
    scorer = get_judge(name, device=settings.device, weights=settings.weights, criterion=settings.criterion)
    if ref.rgb.shape != dist.rgb.shape:
        raise InputError(f"size {dist.width}x{dist.height} differs from the reference's {ref.width}x{ref.height}",
                         distorted)
    prepared = prepare_reference(source_of(ref, settings.background, in_profile=False), scorer, settings.jnd_model)
    pixels = dist.rgb if dist.alpha is None else np.dstack((dist.rgb, dist.alpha))
    probability = float(prepared.judge(scorer if codec is None else scorer.for_codec(codec), [pixels])[0])
    return Judgement(str(reference), str(distorted), name, probability, settings.criterion,
                     [*ref.warnings, *dist.warnings])


def _one_picture(source: PathLike) -> Path:
    path = Path(source)
    if path.is_dir():
        raise UsageError("a folder; compress_many and predict_many take folders", path)
    return path


def _predicting(settings: Settings | None) -> Settings:
    settings = settings or Settings()
    return settings if settings.codecs else replace(settings, codecs=("jpeg",))


def _run(command: str, settings: Settings, inputs: Inputs) -> Result:
    batch = Batch(command, settings, inputs)
    with job():
        return batch.worker.run(batch.tasks[0], catch=False).result


def _results(command: str, settings: Settings, inputs: Inputs, jobs: int, executor: str,
             ray_address: str | None) -> Iterator[Result]:
    batch = Batch(command, settings, inputs)
    try:
        for outcome in batch.outcomes(jobs, executor=executor, ray_address=ray_address):
            yield outcome.result
    finally:
        batch.close()
