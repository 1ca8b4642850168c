"""One picture's job, the same in the main process and in a worker process.

compress: read the input, skip it if vpjnd already wrote it or its output is up to date, search
each codec, keep the smallest passing file, and write it only when it is smaller than the
input (by ``--min-saving`` at least); otherwise the original is kept (copied to the output
location when that is not the input itself). predict: read, search, report. A job never prints:
warnings travel back in the result, so that the main process can show them above the progress
bar. Expected failures (VpjndError) become a "failed" result; anything else is a bug and
propagates.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpjnd_cli.codecs.base import Codec
from vpjnd_cli.commands.setup import build_codec
from vpjnd_cli.commands.summary import level_text, prediction_record
from vpjnd_cli.errors import OutputError, VpjndError
from vpjnd_cli.imageio import check_output_path, load_image, read_file, write_atomic
from vpjnd_cli.imageio.metadata import METADATA_KINDS
from vpjnd_cli.jobs.inputs import STDIO, Task
from vpjnd_cli.jobs.marker import marker_version, with_marker
from vpjnd_cli.jobs.signals import commit
from vpjnd_cli.judges import get_judge
from vpjnd_cli.pipeline import (
    CandidateJudge,
    Compressed,
    Prediction,
    SearchSettings,
    finalise,
    predict,
    prepare_reference,
)
from vpjnd_cli.source import Source, source_of

if TYPE_CHECKING:
    from vpjnd_cli.imageio import Metadata


@dataclass(frozen=True)
class JobSettings:
    """Everything a job needs besides its task (picklable: sent once to each worker process)."""

    command: str  # "compress" or "predict"
    codecs: tuple[str, ...]
    judge: str
    search: SearchSettings
    chroma: str = "420"
    bpg_backend: str = "auto"
    bpgenc: Path | None = None
    bpgdec: Path | None = None
    device: str = "auto"
    weights: Path | None = None
    background: tuple[int, int, int] = (255, 255, 255)
    icc: str = "keep"  # "keep": write pixels in the input's own RGB profile; "srgb": convert them
    max_pixels: int = 0
    strict: bool = False
    keep: frozenset[str] = frozenset(METADATA_KINDS)  # metadata kinds carried to the output
    min_saving: float = 0.0  # percent of the input's size an output must save to be written
    keep_original: bool = False  # when no level passes
    force: bool = False
    skip_existing: bool = False
    dry_run: bool = False
    preserve_times: bool = False


@dataclass
class Result:
    """A job's outcome: its record (JSON-ready), warnings, and for a failure its exit code and
    one-line message; the bytes for standard output."""

    index: int
    record: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0
    message: str | None = None
    data: bytes | None = None

    @classmethod
    def start(cls, task: Task) -> Result:
        record = {"path": task.label, "output": None, "status": None, "written": False, "note": None, "error": None}
        return cls(task.index, record)

    def fail(self, exit_code: int, message: str, cause: str) -> Result:
        """Mark the job failed: ``message`` for stderr, ``cause`` (without the input's name) for the report."""
        self.exit_code, self.message = exit_code, message
        self.record.update(status="failed", error=cause)
        return self


@dataclass
class _Attempt:
    codec: Codec
    prediction: Prediction
    candidates: CandidateJudge
    compressed: Compressed | None  # None: not made (no level passed and the original is kept)


class Worker:
    """What a process builds once: the codecs and the judge (the network loads its weights here)."""

    def __init__(self, settings: JobSettings) -> None:
        self.settings = settings
        self.codecs = [
            build_codec(name, chroma=settings.chroma, bpg_backend=settings.bpg_backend, bpgenc=settings.bpgenc,
                        bpgdec=settings.bpgdec)
            for name in settings.codecs
        ]
        self.judge = get_judge(settings.judge, device=settings.device, weights=settings.weights)

    def run(self, task: Task, stdin: bytes | None = None) -> Result:
        """The task's result; a VpjndError becomes a failed result carrying its exit code."""
        started = time.perf_counter()
        result = Result.start(task)
        try:
            if task.error:
                raise VpjndError(task.error, task.label)
            job = self._compress if self.settings.command == "compress" else self._predict
            job(task, stdin, result)
        except VpjndError as error:
            result.fail(int(error.exit_code), str(error), _cause(error, task))
        result.record["total_seconds"] = round(time.perf_counter() - started, 4)
        return result

    def _read(self, task: Task, stdin: bytes | None, result: Result) -> bytes:
        data = (stdin or b"") if task.from_stdin else read_file(task.source)
        result.record["bytes_in"] = len(data)
        return data

    def _source(self, task: Task, data: bytes, result: Result) -> tuple[Source, Metadata]:
        """The pixels to encode and the metadata to write with them (the profile they are in)."""
        s = self.settings
        picture = load_image(task.label, max_pixels=s.max_pixels, strict=s.strict, data=data)
        result.notes.extend(picture.warnings)
        in_profile = s.icc == "keep" and "icc" in s.keep
        metadata = picture.metadata_to_write(in_profile).keep_only(s.keep)
        return source_of(picture, s.background, in_profile), metadata

    def _predict(self, task: Task, stdin: bytes | None, result: Result) -> None:
        data = self._read(task, stdin, result)
        source, _ = self._source(task, data, result)
        codec, s = self.codecs[0], self.settings
        _note_flattening(task, source, codec, result)
        prediction, _ = predict(source, codec, self.judge, s.search)
        result.record.update(prediction_record(task.label, codec, s.judge, s.search.sur, prediction))
        result.record["status"] = "ok" if prediction.passed else "no level passed"

    def _compress(self, task: Task, stdin: bytes | None, result: Result) -> None:
        s, record = self.settings, result.record
        data = self._read(task, stdin, result)
        skipped = self._skip_reason(task, data)
        if skipped is not None:
            existing, note = skipped
            record.update(status="skipped", note=note)
            if existing is not None:
                record.update(output=str(existing), bytes_out=existing.stat().st_size)
            elif task.original == STDIO:
                self._write(task, STDIO, data, result)  # a pipe passes a done picture through
            return
        for path in (*task.outputs.values(), task.original):
            self._check_target(task, path)
        source, metadata = self._source(task, data, result)
        attempts = self._attempts(source, metadata)
        chosen = _choose(attempts, s.keep_original)
        shown = chosen or attempts[0]
        record.update(prediction_record(task.label, shown.codec, s.judge, s.search.sur, shown.prediction))
        if len(attempts) > 1:
            record["candidates"] = {a.codec.name: _summary(a) for a in attempts}
        keep_reason = self._keep_reason(chosen, len(data))
        if keep_reason is None:
            record.update(_written(chosen))
            _note_flattening(task, source, chosen.codec, result)
            if not chosen.prediction.passed:
                least = level_text(chosen.codec, chosen.prediction, 0)
                result.notes.append(f"{task.label}: no level reaches SUR {s.search.sur:g} with the {s.judge} judge; "
                                    f"the least distorted level ({least}) is written")
            output, target = chosen.compressed.data, task.outputs[chosen.codec.name]
        else:
            record.update(written_level=None, written_probability=None, rejudged=False, status="kept original",
                          note=keep_reason)
            if chosen is None:
                result.notes.append(f"{task.label}: {keep_reason}")
            output, target = data, task.original
        self._write(task, target, output, result)
        record.update(bytes_out=len(output), saving=round(1 - len(output) / len(data), 6))

    def _attempts(self, source: Source, metadata: Metadata) -> list[_Attempt]:
        """Each codec's search and, unless the original will be kept anyway, its final file.

        A transparent picture is not flattened for one codec when another one keeps its alpha.
        """
        s = self.settings
        codecs = self.codecs
        if source.alpha is not None:
            codecs = [codec for codec in codecs if codec.keeps_alpha] or codecs
        reference = prepare_reference(source, self.judge, s.search.jnd_model) if len(codecs) > 1 else None
        attempts = []
        for codec in codecs:
            prediction, candidates = predict(source, codec, self.judge, s.search, reference)
            compressed = None
            if prediction.passed or not s.keep_original:
                marked = with_marker(metadata, codec=codec.name, judge=s.judge, sur=s.search.sur)
                compressed = finalise(prediction, candidates, marked, s.search)
            attempts.append(_Attempt(codec, prediction, candidates, compressed))
        return attempts

    def _keep_reason(self, chosen: _Attempt | None, bytes_in: int) -> str | None:
        """Why the original is kept instead of the chosen file (None: write the file)."""
        if chosen is None:
            return f"no level reaches SUR {self.settings.search.sur:g}; the original is kept (--keep-original)"
        size = len(chosen.compressed.data)
        saving = 100 * (1 - size / bytes_in)
        minimum = self.settings.min_saving
        if size >= bytes_in or saving < minimum:
            wanted = "smaller than" if minimum <= 0 else f"{minimum:g} % smaller than"
            return (f"the {chosen.codec.name} file ({size:,} bytes) would not be {wanted} the input "
                    f"({bytes_in:,} bytes); the original is kept")
        return None

    def _skip_reason(self, task: Task, data: bytes) -> tuple[Path | None, str] | None:
        """(output, why) when the task is already done; an OutputError when a foreign file is in the way."""
        s = self.settings
        if s.force:
            return None
        version = marker_version(data)
        if version is not None:
            return None, f"written by vpjnd {version} already; --force compresses it again"
        for path in dict.fromkeys((*task.outputs.values(), task.original)):
            if path is None or path == STDIO or not path.is_file():
                continue
            try:
                existing = read_file(path)
            except VpjndError:
                existing = b""
            if marker_version(existing) is not None:
                return path, f"{path} was written by vpjnd; --force redoes it"
            if existing == data:
                return path, f"{path} already holds the original; --force redoes it"
            if s.skip_existing:
                return path, f"{path} exists"
            raise OutputError("output file exists (use --force to overwrite it, or --skip-existing)", path)
        return None

    def _check_target(self, task: Task, path: Path | None) -> None:
        """Refuse an unusable output before the search rather than after it."""
        if path is None or path == STDIO:
            return
        if task.make_folders and not path.parent.is_dir():
            return  # created when the file is written
        check_output_path(path, inputs=() if task.from_stdin else (task.source,), force=True)

    def _write(self, task: Task, path: Path | None, data: bytes, result: Result) -> None:
        """Write (in a dry run, only name) the output; standard output travels back in the result.

        ``path`` None: the original stays where it is, and is the output.
        """
        record = result.record
        record["output"] = str(task.source) if path is None else str(path)
        if path is None:
            return
        if self.settings.dry_run:
            record["note"] = "; ".join(filter(None, [record.get("note"), "dry run: nothing written"]))
            return
        if path == STDIO:
            result.data, record["written"] = data, True
            return
        commit()  # from here the job finishes and reports its file, whatever signal comes
        if task.make_folders:
            _make_folder(path.parent)
        write_atomic(path, data, inputs=() if task.from_stdin else (task.source,), force=self.settings.force)
        if self.settings.preserve_times and not task.from_stdin:
            status = task.source.stat()
            os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        record["written"] = True


def _note_flattening(task: Task, source: Source, codec: Codec, result: Result) -> None:
    if source.alpha is not None and not codec.keeps_alpha:
        result.notes.append(f"{task.label}: {codec.name} cannot keep transparency; flattened onto "
                            f"#{bytes(source.background).hex()}")


def _choose(attempts: list[_Attempt], keep_original: bool) -> _Attempt | None:
    """The smallest passing file (codec order breaks ties); else the smallest fallback, or None."""
    made = [a for a in attempts if a.compressed is not None]
    passing = [a for a in made if a.prediction.passed]
    pool = passing or ([] if keep_original else made)
    return min(pool, key=lambda a: len(a.compressed.data), default=None)


def _summary(attempt: _Attempt) -> dict[str, Any]:
    """One codec's outcome under --codec auto."""
    made = attempt.compressed
    return {
        "level": None if made is None else attempt.prediction.ladder[made.index].label,
        "passed": attempt.prediction.passed,
        "bytes": None if made is None else len(made.data),
    }


def _written(attempt: _Attempt) -> dict[str, Any]:
    """The record fields of the file that is written (its level may be less distorted than the
    prediction's when the final encode was judged again); level_saving compares search encodes."""
    made, candidates = attempt.compressed, attempt.candidates
    return {
        "written_level": attempt.prediction.ladder[made.index].label,
        "written_probability": made.probability,
        "rejudged": made.rejudged,
        "level_saving": round(1 - candidates.size(made.index) / candidates.size(0), 6),
        "status": "ok" if attempt.prediction.passed else "no level passed",
    }


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({exc.strerror or exc})", folder) from exc


def _cause(error: VpjndError, task: Task) -> str:
    """The error without the input's own name (the report has a path column), else in full."""
    return error.message if error.path in (None, task.label, str(task.source)) else str(error)
