"""One picture's job, the same in the main process and in a worker process.

compress: read the input, skip it if vpjnd already wrote it or its output is up to date (made
with the same settings), search each codec, keep the smallest passing file, and write it only
when it is smaller than the input (by ``--min-saving`` at least); otherwise the original is kept
(copied to the output location when that is not the input itself). In place, the file replaces
the input. predict: read, search, report. The first part (``Worker.triage``) is cheap, so that the
main process settles skipped and failed inputs before any worker process starts. A job never
prints: warnings travel back in the result, so that the main process can show them above the
progress bar. Expected failures (VpjndError) become a "failed" result; anything else is a bug
and propagates.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vpjnd_cli.codecs.base import Codec
from vpjnd_cli.errors import OutputError, VpjndError, os_cause
from vpjnd_cli.imageio import check_output_path, load_image, read_file, write_atomic
from vpjnd_cli.jobs.html_report import CandidateView, PictureView, candidate_view, write_picture_view
from vpjnd_cli.jobs.inputs import STDIO, Task, format_codec, written_by_vpjnd
from vpjnd_cli.jobs.marker import changed_settings, marker_settings, with_marker
from vpjnd_cli.jobs.signals import commit
from vpjnd_cli.judges import get_judge
from vpjnd_cli.model.locate import require_weights, weights_name
from vpjnd_cli.pipeline import (
    CandidateJudge,
    Compressed,
    Prediction,
    finalise,
    predict,
    prepare_reference,
)
from vpjnd_cli.results import CodecOutcome, Result, Status, level_parts
from vpjnd_cli.settings import Settings
from vpjnd_cli.source import Source, source_of

if TYPE_CHECKING:
    import numpy as np

    from vpjnd_cli.imageio import LoadedImage, Metadata
    from vpjnd_cli.model.served import Send

COMMANDS = ("compress", "predict")


@dataclass
class Outcome:
    """A job's ``Result`` with what only the run needs: the task's place among the inputs, for a
    failure its exit code and one-line message, the bytes for standard output, and the pictures
    of an HTML report."""

    index: int
    result: Result
    exit_code: int = 0
    message: str | None = None
    data: bytes | None = None
    view: PictureView | None = None  # the files written for --report F.html

    @classmethod
    def start(cls, task: Task) -> Outcome:
        return cls(task.index, Result(path=task.label))

    def fail(self, exit_code: int, message: str, cause: str) -> Outcome:
        """Mark the job failed: ``message`` for stderr, ``cause`` (without the input's name) for the report."""
        self.exit_code, self.message = exit_code, message
        self.result.status, self.result.error = Status.FAILED, cause
        return self


@dataclass
class _Attempt:
    codec: Codec
    prediction: Prediction
    candidates: CandidateJudge
    compressed: Compressed | None  # None: not made (no level passed and the original is kept)


class Worker:
    """What a process builds once: the codecs and the judge (the network loads its weights here).

    ``command``: "compress" or "predict"; ``view_folder``: where each picture's files for
    ``--report F.html`` go (html_report), None for none; ``send``: the network is another
    process's (model/served.py). ``retries``: a job may be a retry of one that died after
    writing its file (Ray); the main process triaged every task before the run, so an output that
    holds a vpjnd file with these settings, or the original, is that attempt's: it is redone, and
    a file that already holds the very bytes to write is left as it is, so that the picture is
    reported once, as written.
    """

    def __init__(self, settings: Settings, command: str = "compress", view_folder: Path | None = None, *,
                 send: Send | None = None, retries: bool = False) -> None:
        if command not in COMMANDS:
            raise ValueError(f"command must be one of {COMMANDS}, not {command!r}")
        if not settings.codecs:
            raise ValueError("a worker needs the settings' codecs")
        self.settings, self.command, self.view_folder = settings, command, view_folder
        self.retries = retries
        self.codecs = [settings.build_codec(name) for name in settings.codecs]
        self.judge_name = settings.judge_for(settings.codecs)
        self.judge = get_judge(self.judge_name, device=settings.device, weights=settings.weights, send=send,
                               criterion=settings.criterion)
        self.weights = (weights_name(require_weights(settings.weights, settings.criterion))
                        if self.judge_name == "vpjndnet" else None)

    def triage(self, task: Task, stdin: bytes | None = None) -> Outcome | None:
        """The outcome of a task that needs no search (an error found while planning, an input to
        skip, an output in the way), or None when it needs one. Cheap: reads, no decoding."""
        outcome = self._timed(task, lambda outcome: self._settle(task, stdin, outcome))
        return None if outcome.result.status is None else outcome

    def run(self, task: Task, stdin: bytes | None = None, *, catch: bool = True) -> Outcome:
        """The task's outcome; a VpjndError becomes a failed outcome carrying its exit code
        (``catch`` False: it propagates)."""

        def job(outcome: Outcome) -> None:
            data = self._settle(task, stdin, outcome)
            if outcome.result.status is not None:
                return
            if data is None:
                self._predict(task, stdin, outcome)
            else:
                self._compress(task, data, outcome)

        return self._timed(task, job, catch=catch)

    def marks(self, codec: str) -> dict[str, str]:
        """The settings an output's marker records, and that a rerun compares before it skips the
        output (marker.changed_settings); empty ones (no --level, no weights) are left out."""
        s, search = self.settings, self.settings.search
        marks = {
            "codec": codec, "judge": self.judge_name, "weights": self.weights or "", "sur": f"{search.sur:g}",
            "criterion": search.criterion, "chroma": s.chroma, "jnd_model": search.jnd_model,
            "search": search.method, "block_size": str(search.block_size) if search.method == "block" else "",
            "level": "" if search.level is None else str(search.level),
            "min_level": "" if search.min_level is None else str(search.min_level),
            "max_level": "" if search.max_level is None else str(search.max_level),
            "metadata": ",".join(sorted(s.keep)) or "none",
        }
        return {key: value for key, value in marks.items() if value}

    def _timed(self, task: Task, job: Callable[[Outcome], object], catch: bool = True) -> Outcome:
        started = time.perf_counter()
        outcome = Outcome.start(task)
        try:
            job(outcome)
        except VpjndError as error:
            if not catch:
                raise
            outcome.fail(int(error.exit_code), str(error), _cause(error, task))
        outcome.result.total_seconds = round(time.perf_counter() - started, 4)
        return outcome

    def _settle(self, task: Task, stdin: bytes | None, outcome: Outcome) -> bytes | None:
        """Set the outcome of a task that needs no search; return the input's bytes (compress) or
        None (predict reads its input itself)."""
        result = outcome.result
        if task.error:
            raise VpjndError(task.error, task.label)
        if task.skip:
            result.status, result.note = Status.SKIPPED, task.skip
            return None
        if self.command != "compress":
            return None
        data = self._read(task, stdin, result)
        skipped = self._skip_reason(task, data, result)
        if skipped is None:
            for path in (*task.outputs.values(), task.original, task.backup):
                self._check_target(task, path)
            return data
        existing, note = skipped
        result.status, result.note = Status.SKIPPED, note
        if existing is not None:
            result.output, result.bytes_out = str(existing), existing.stat().st_size
        elif task.original == STDIO:
            self._write(task, STDIO, data, outcome)  # a pipe passes a done picture through
        return data

    def _read(self, task: Task, stdin: bytes | None, result: Result) -> bytes:
        data = (stdin or b"") if task.from_stdin else read_file(task.source)
        result.bytes_in = len(data)
        return data

    def _source(self, task: Task, data: bytes, result: Result) -> tuple[LoadedImage, Source, Metadata]:
        """The picture, the pixels to encode and the metadata to write with them (the profile they are in)."""
        s = self.settings
        picture = load_image(task.label, max_pixels=s.max_pixels, strict=s.strict, data=data)
        result.warnings.extend(picture.warnings)
        # pixels stay in the input's own profile only where every codec of the run can embed it
        in_profile = s.icc == "keep" and "icc" in s.keep and all(codec.embeds_icc for codec in self.codecs)
        metadata = picture.metadata_to_write(in_profile).keep_only(s.keep)
        return picture, source_of(picture, s.background, in_profile), metadata

    def _predict(self, task: Task, stdin: bytes | None, outcome: Outcome) -> None:
        result = outcome.result
        data = self._read(task, stdin, result)
        _, source, _ = self._source(task, data, result)
        codec = self.codecs[0]
        _note_flattening(task, source, codec, result)
        prediction, candidates = predict(source, codec, self.judge, self.settings.search)
        self._record_search(result, codec, prediction)
        result.status = Status.OK if prediction.passed else Status.NO_LEVEL_PASSED
        self._view(task, source, [_Attempt(codec, prediction, candidates, None)], outcome)

    def _compress(self, task: Task, data: bytes, outcome: Outcome) -> None:
        s, result = self.settings, outcome.result
        picture, source, metadata = self._source(task, data, result)
        attempts = self._attempts(source, metadata)
        chosen = _choose(attempts, s.keep_original)
        shown = chosen or attempts[0]
        self._record_search(result, shown.codec, shown.prediction)
        if len(attempts) > 1:
            result.candidates = {a.codec.name: _codec_outcome(a) for a in attempts}
        self._view(task, source, attempts, outcome)
        keep_reason = self._keep_reason(chosen, len(data))
        target: Path | None
        kind: str | None
        if keep_reason is None:
            assert chosen is not None and chosen.compressed is not None
            _record_written(result, chosen, s.level_saving)
            _note_flattening(task, source, chosen.codec, result)
            if not chosen.prediction.passed:
                least = f"{chosen.codec.setting_name} {chosen.prediction.ladder[0].label}"
                result.warnings.append(f"{task.label}: no level reaches SUR {s.sur:g} with the {self.judge_name} "
                                       f"judge; the least distorted level ({least}) is written")
            output, target, kind = chosen.compressed.data, task.outputs[chosen.codec.name], chosen.codec.name
        else:
            result.status, result.rejudged = Status.KEPT_ORIGINAL, False
            result.add_note(keep_reason)
            if chosen is None:
                result.warnings.append(f"{task.label}: no level reaches SUR {s.sur:g} with the {self.judge_name} "
                                       "judge; the original is kept (--keep-original)")
            output, target, kind = data, task.original_path(picture.format), format_codec(picture.format)
        self._say_renamed(task, target, kind or picture.format, keep_reason is not None, result)
        self._write(task, target, output, outcome, source=data)
        result.bytes_out, result.saving = len(output), round(1 - len(output) / len(data), 6)

    def _record_search(self, result: Result, codec: Codec, prediction: Prediction) -> None:
        """The search's numbers and the settings a report shows beside them."""
        search = self.settings.search
        result.record_search(codec, self.judge_name, search.sur, prediction)
        result.weights, result.jnd_model, result.criterion = self.weights, search.jnd_model, search.criterion

    def _view(self, task: Task, source: Source, attempts: list[_Attempt], outcome: Outcome) -> None:
        """Write the picture's files for --report F.html; failing that is a warning, not a failure
        of the picture (the report itself then reports the disk's error when it is written)."""
        if self.view_folder is None:
            return
        folder = self.view_folder / f"{task.index:05d}"
        shown = [_shown(source, attempt) for attempt in attempts]
        try:
            outcome.view = write_picture_view(folder, source.reference, attempts[0].candidates.reference.jnd, shown)
        except VpjndError as error:
            outcome.result.warnings.append(f"{task.label}: {error.message}")

    def _say_renamed(self, task: Task, target: Path | None, kind: str, kept: bool, result: Result) -> None:
        """Say so when the file is not what -o named (a warning, and the result's ``requested``):
        another codec's name under --codec auto or the original in its own format; on standard
        output, a format other than the one asked for (a warning and a note)."""
        requested = task.requested
        if requested is None or target is None or (target != STDIO and target == requested):
            return
        if target == STDIO:
            if kind in self.settings.codecs:
                return
            text = f"standard output carries the original ({kind}), not a {' or '.join(self.settings.codecs)} file"
            result.add_note(text)  # the result line's only place for it
        else:
            why = "the original keeps its format" if kept else f"--codec auto chose {kind}"
            text = f"the output is {target}, not {requested}: {why}"
            result.requested = str(requested)
        result.warnings.append(f"{task.label}: {text}")

    def _attempts(self, source: Source, metadata: Metadata) -> list[_Attempt]:
        """Each codec's search and, unless the original will be kept anyway, its final file.

        A transparent picture is not flattened for one codec when another one keeps its alpha.
        """
        s, search = self.settings, self.settings.search
        codecs = self.codecs
        if source.alpha is not None:
            codecs = [codec for codec in codecs if codec.keeps_alpha] or codecs
        reference = prepare_reference(source, self.judge, search.jnd_model) if len(codecs) > 1 else None
        attempts = []
        for codec in codecs:
            prediction, candidates = predict(source, codec, self.judge, search, reference)
            compressed = None
            if prediction.passed or not s.keep_original:
                marked = with_marker(metadata, self.marks(codec.name))
                compressed = finalise(prediction, candidates, marked, search)
            attempts.append(_Attempt(codec, prediction, candidates, compressed))
        return attempts

    def _keep_reason(self, chosen: _Attempt | None, bytes_in: int) -> str | None:
        """Why the original is kept instead of the chosen file (None: write the file)."""
        if chosen is None:
            return f"no level reaches SUR {self.settings.sur:g}; --keep-original"
        assert chosen.compressed is not None  # made: it passed, or the original is not kept
        size = len(chosen.compressed.data)
        saving = 100 * (1 - size / bytes_in)
        minimum = self.settings.min_saving
        if size >= bytes_in or saving < minimum:
            wanted = "smaller than" if minimum <= 0 else f"{minimum:g} % smaller than"
            return f"the {chosen.codec.name} file ({size:,} bytes) would not be {wanted} the input ({bytes_in:,} bytes)"
        return None

    def _skip_reason(self, task: Task, data: bytes, result: Result) -> tuple[Path | None, str] | None:
        """(output, why) when the task is already done; an OutputError when a foreign file is in the way.

        An output vpjnd wrote with other settings is redone (and replaced), with a note that says
        which settings differ.
        """
        s = self.settings
        if s.force:
            return None
        recorded = marker_settings(data)
        if recorded is not None:
            again = "--in-place --force" if task.source in task.outputs.values() and not task.in_place else "--force"
            return None, f"written by vpjnd {recorded.get('version', 'unknown')} already; {again} compresses it again"
        if task.in_place:
            return None
        planned = {path: codec for codec, path in task.outputs.items()}
        for path in dict.fromkeys((*task.outputs.values(), task.original)):
            if path is None or path == STDIO or not path.is_file():
                continue
            try:
                existing = read_file(path)
            except VpjndError:
                existing = b""
            recorded = marker_settings(existing)
            if recorded is not None:
                changes = changed_settings(recorded, self.marks(planned.get(path, recorded.get("codec", ""))))
                if not changes:
                    if self.retries:
                        continue  # an earlier attempt's file
                    return path, f"{path} was written by vpjnd with these settings; --force redoes it"
                result.add_note(f"{path} redone: {', '.join(changes)}")
                continue
            if existing == data:
                if self.retries:
                    continue
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
        if path == task.backup:
            if path.exists():  # never replaced: it may be the only copy of an original
                raise OutputError("backup file exists; remove it, or choose another --backup SUFFIX", path)
            check_output_path(path, inputs=(task.source,))
        else:
            check_output_path(path, inputs=() if task.from_stdin or task.in_place else (task.source,), force=True)

    def _write(self, task: Task, path: Path | None, data: bytes, outcome: Outcome, source: bytes = b"") -> None:
        """Write (in a dry run, only name) the output; standard output travels back in the outcome.

        ``path`` None: the original stays where it is, and is the output. ``source``: the input's
        bytes, for the backup of an input replaced in place.
        """
        result = outcome.result
        result.output = str(task.source) if path is None else str(path)
        if path is None:
            return
        if self.settings.dry_run:
            result.add_note("dry run: nothing written")
            return
        if path == STDIO:
            outcome.data, result.written = data, True
            return
        commit()  # from here the job finishes and reports its file, whatever signal comes
        status = None if task.from_stdin else task.source.stat()  # before an in-place write replaces it
        if task.in_place:
            _replace_input(task, data, source, status)
        elif self.retries and _holds(path, data):
            pass  # an earlier attempt of this job wrote it
        else:
            # An existing output still here was written by vpjnd with other settings (triage): redo it.
            force = self.settings.force or written_by_vpjnd(path)
            inputs = () if task.from_stdin else (task.source,)
            _write_in_folder(path, lambda: write_atomic(path, data, inputs=inputs, force=force), task.make_folders)
        if self.settings.preserve_times and status is not None:
            os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
        result.written = True


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` holds exactly ``data``."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _note_flattening(task: Task, source: Source, codec: Codec, result: Result) -> None:
    if source.alpha is not None and not codec.keeps_alpha:
        result.warnings.append(f"{task.label}: {codec.name} cannot keep transparency; flattened onto "
                            f"#{bytes(source.background).hex()}")


def _choose(attempts: list[_Attempt], keep_original: bool) -> _Attempt | None:
    """The smallest passing file (codec order breaks ties); else the smallest fallback, or None."""
    made = [a for a in attempts if a.compressed is not None]
    passing = [a for a in made if a.prediction.passed]
    pool = passing or ([] if keep_original else made)
    return min(pool, key=lambda a: len(a.compressed.data) if a.compressed else 0, default=None)


def _shown(source: Source, attempt: _Attempt) -> tuple[CandidateView, np.ndarray]:
    """What the report shows of a codec's search: the file made, else the level predicted (the
    least distorted one when none passed), decoded and seen as the judge saw it."""
    made, prediction, codec = attempt.compressed, attempt.prediction, attempt.codec
    probability: float | None
    if made is not None:
        index, data, probability = made.index, made.data, made.probability
    else:
        index = 0 if prediction.chosen is None else prediction.chosen
        data = attempt.candidates.search_encode(index)
        probability = prediction.probabilities.get(index)
    return candidate_view(codec, prediction, index, probability, len(data)), source.seen(codec.decode(data))


def _codec_outcome(attempt: _Attempt) -> CodecOutcome:
    """One codec's outcome under --codec auto."""
    made = attempt.compressed
    level, chroma = level_parts(None if made is None else attempt.prediction.ladder[made.index])
    return CodecOutcome(level, chroma, attempt.prediction.passed, None if made is None else len(made.data))


def _record_written(result: Result, attempt: _Attempt, level_saving: bool) -> None:
    """The file that is written (its level may be less distorted than the prediction's when the
    final encode was judged again); level_saving, when asked for, compares search encodes."""
    made, candidates = attempt.compressed, attempt.candidates
    assert made is not None
    result.written_level, result.written_chroma = level_parts(attempt.prediction.ladder[made.index])
    result.written_probability, result.rejudged = made.probability, made.rejudged
    if level_saving:
        result.level_saving = round(1 - candidates.size(made.index) / candidates.size(0), 6)
    result.status = Status.OK if attempt.prediction.passed else Status.NO_LEVEL_PASSED


def _write_in_folder(path: Path, write: Callable[[], object], make_folders: bool) -> None:
    """Write, first creating the missing folders of ``path`` when ``make_folders``; when the write
    fails, remove the folders made for it (while still empty). Another worker that does the same
    may remove a folder between its creation here and the write: the write is then tried again."""
    for attempt in range(3):
        created: list[Path] = []
        try:
            if make_folders:
                _make_folders(path.parent, created)
            write()
            return
        except VpjndError:
            vanished = make_folders and not path.parent.is_dir()
            _remove_folders(created)
            if attempt == 2 or not vanished:
                raise


def _make_folders(folder: Path, created: list[Path]) -> None:
    """Create ``folder`` and its missing parents; add those made here to ``created``, deepest first."""
    if folder.is_dir():
        return
    _make_folders(folder.parent, created)
    try:
        folder.mkdir()
    except FileExistsError:
        return  # made meanwhile by another worker: not ours to remove
    except OSError as exc:
        raise OutputError(f"cannot create the output folder ({os_cause(exc)})", folder) from exc
    created.insert(0, folder)


def _remove_folders(folders: list[Path]) -> None:
    """Remove folders made for a file that could not be written, where they are still empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return  # not empty: another file went there meanwhile


def _replace_input(task: Task, data: bytes, source: bytes, status: os.stat_result | None) -> None:
    """Replace the input atomically by ``data``, with the input's permissions; keep the input
    first under ``task.backup`` (with its times) when asked to."""
    mode = None if status is None else stat.S_IMODE(status.st_mode)
    if task.backup is not None:
        write_atomic(task.backup, source, inputs=(task.source,), mode=mode)
        if status is not None:
            os.utime(task.backup, ns=(status.st_atime_ns, status.st_mtime_ns))
    try:
        write_atomic(task.source, data, force=True, mode=mode)
    except VpjndError:
        if task.backup is not None:
            task.backup.unlink(missing_ok=True)
        raise


def _cause(error: VpjndError, task: Task) -> str:
    """The error without the input's own name (the report has a path column), else in full."""
    return error.message if error.path in (None, task.label, str(task.source)) else str(error)
