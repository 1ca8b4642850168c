"""A command's run over its inputs: find them, plan outputs, run the jobs, show, report, exit code.

Inputs that need no search (skipped, or failed while planning or reading) are settled in this
process first; worker processes start only when some picture needs the search.

Exit codes: 0 when every input succeeded or was skipped; for a lone input named on the command
line, its own error's code (2 unreadable or unwritable, 3 tool missing, ...), as before batches
existed; for several, 1 when any failed or the report could not be written; 130 on SIGINT and
143 on SIGTERM (signals.py).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vpjnd_cli.codecs import available_codecs, codec_extensions, codec_for_path
from vpjnd_cli.display import Display, Silent, plural
from vpjnd_cli.errors import ExitCode, UsageError, VpjndError, os_cause
from vpjnd_cli.jobs.html_report import PictureFolder
from vpjnd_cli.jobs.inputs import PICTURE_SUFFIXES, STDIO, Task, find_sources, plan_tasks
from vpjnd_cli.jobs.picture import Outcome, Worker
from vpjnd_cli.jobs.pool import Runner
from vpjnd_cli.jobs.report import check_report_path, write_report
from vpjnd_cli.jobs.signals import (
    Interrupted,
    critical,
    raise_if_stopped,
    stop_signals_raise,
)
from vpjnd_cli.pipeline import bounded_ladder, ladder_index
from vpjnd_cli.results import Result, Totals
from vpjnd_cli.settings import Settings

if TYPE_CHECKING:
    from vpjnd_cli.jobs.cluster import RayRunner

AUTO_CODECS = ("jpeg", "webp", "avif")  # what browsers and photo viewers open without plug-ins
EXECUTORS = ("local", "ray")  # worker processes on this machine, or Ray tasks (jobs/cluster.py)


def choose_codecs(
    codec: str | None, codecs: str | None, arguments: Sequence[Path], output: Path | None, folder: bool = False
) -> tuple[str, ...]:
    """The codecs to search: --codec NAME, --codec auto [--codecs LIST], else OUT's extension
    (one output file), else JPEG. A --codec NAME that a picture extension of OUT contradicts is
    a UsageError (``folder``: OUT ended in /)."""
    one_file = None  # OUT, when it names one output file
    if output is not None and output != STDIO and len(arguments) == 1 and not arguments[0].is_dir() \
            and not output.is_dir() and not folder:
        one_file = output
    if codecs is not None and codec not in (None, "auto"):
        raise UsageError("--codecs lists what --codec auto chooses from; drop --codec or set it to auto")
    if codec == "auto" or codecs is not None:
        listed = (codecs or ",".join(AUTO_CODECS)).split(",")
        names = tuple(dict.fromkeys(name.strip().lower() for name in listed if name.strip()))
        unknown = [name for name in names if name not in available_codecs()]
        if unknown or not names:
            raise UsageError(f"--codecs: unknown codec {', '.join(unknown) or '(none given)'}; "
                             f"choose from {', '.join(available_codecs())}")
        return names
    if codec is not None:
        name = codec.lower()
        suffix = "" if one_file is None else one_file.suffix.lower()
        if one_file is not None and suffix in PICTURE_SUFFIXES and suffix not in codec_extensions(name):
            raise UsageError(f"a {suffix} name, but --codec {name} writes {name}: "
                             f"name it {one_file.with_suffix(codec_extensions(name)[0]).name}, or drop --codec",
                             one_file)
        return (name,)
    return ("jpeg",) if one_file is None else (codec_for_path(one_file),)


@dataclass(frozen=True)
class Inputs:
    """What a run works on and where its outputs go.

    ``paths``: files, folders (``recursive``: with their subfolders) or ``-`` (standard input);
    ``include``/``exclude``: globs on the names. ``output``: a file (one input), a folder (mirrors
    the input folders; ``folder``: it is one, created if missing) or ``-`` (standard output);
    ``template``: output names (fields stem, name, suffix, ext, codec); ``in_place``: replace the
    inputs (``backup``: keep each one under its name plus this suffix). See inputs.plan_tasks.
    """

    paths: tuple[Path, ...]
    output: Path | None = None
    folder: bool = False
    template: str | None = None
    in_place: bool = False
    backup: str | None = None
    recursive: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass
class BatchOutcome:
    """A finished (or interrupted) run: each input's result in input order, the totals, and the
    exit code it amounts to (module docstring)."""

    results: list[Result]
    totals: Totals
    exit_code: int
    pictures: int  # inputs planned (more than ``results`` when the run was interrupted)


class Batch:
    """A planned run: the inputs found, each one's outputs, and this process's worker (built here,
    so that a bad codec, judge or weights file fails before any picture is read)."""

    def __init__(self, command: str, settings: Settings, inputs: Inputs, *, view_folder: Path | None = None,
                 prune: Sequence[Path] = ()) -> None:
        """``prune``: folders not searched for inputs besides the output folder (a report's pictures)."""
        output = inputs.output
        folders = ([] if output in (None, STDIO) else [output]) + list(prune)
        found = find_sources(inputs.paths, recursive=inputs.recursive, include=inputs.include,
                             exclude=inputs.exclude, prune=folders)
        self.unsearched = found.unsearched
        self.tasks = plan_tasks(found.sources, codecs=settings.codecs, output=output, template=inputs.template,
                                folder=inputs.folder, in_place=inputs.in_place, backup=inputs.backup)
        self.lone = len(found.sources) == 1 and not found.sources[0].found
        self.worker = Worker(settings, command, view_folder)
        if settings.level is not None:
            codec = self.worker.codecs[0]
            ladder_index(codec.levels(), settings.level, codec.name)
        for codec in self.worker.codecs:  # bounds that leave a codec no level fail before any picture
            bounded_ladder(codec, settings.min_level, settings.max_level)
        self._runner: Runner | RayRunner | None = None

    def outcomes(self, jobs: int = 1, stdin: bytes | None = None, display: Display | None = None, *,
                 executor: str = "local", ray_address: str | None = None) -> Iterator[Outcome]:
        """Each task's outcome: those that need no search first (settled in this process), then the
        others as they finish on ``jobs`` worker processes (0: one per CPU), or as Ray tasks
        (``executor`` "ray": on the cluster at ``ray_address``, "auto" or HOST:PORT, else on a
        local Ray of ``jobs`` CPUs; jobs/cluster.py)."""
        display = display or Silent()
        if executor not in EXECUTORS:
            raise UsageError(f"unknown executor {executor!r}; choose from {', '.join(EXECUTORS)}")
        if ray_address is not None and executor != "ray":
            raise UsageError("--ray-address names the cluster of --executor ray: add it")
        if executor == "ray":
            from vpjnd_cli.jobs.cluster import require_ray

            require_ray()  # before any picture is reported
        pending: list[Task] = []
        for task in self.tasks:
            settled = self.worker.triage(task, stdin)
            if settled is None:
                pending.append(task)
            else:
                yield settled
        settings = self.worker.settings
        described = f"codecs {', '.join(settings.codecs)}; judge {self.worker.judge_name}"
        runner: Runner | RayRunner
        if executor == "ray" and pending:
            from vpjnd_cli.jobs.cluster import RayRunner

            where = "a local Ray" if ray_address is None else f"the Ray cluster at {ray_address}"
            display.info(f"{len(self.tasks)} picture(s), {len(pending)} to search; Ray tasks on {where}; {described}")
            runner = RayRunner(pending, local=self.worker, stdin=stdin, raise_bugs=self.lone, address=ray_address,
                               cpus=jobs)
        else:
            workers, served = _worker_count(jobs, len(pending), self.worker)
            server = " and a judge server" if served else ""
            display.info(f"{len(self.tasks)} picture(s), {len(pending)} to search; {workers} worker process(es)"
                         f"{server}; {described}")
            runner = Runner(pending, jobs=workers, local=self.worker, stdin=stdin, raise_bugs=self.lone,
                            judge_server=served)
        self._runner = runner
        yield from runner.results()

    def stop(self) -> list[Outcome]:
        """Stop the workers; the outcomes finished so far (module pool.py, ``Runner.stop``)."""
        return [] if self._runner is None else self._runner.stop()

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def run_batch(
    command: str,
    settings: Settings,
    inputs: Inputs,
    *,
    jobs: int = 1,
    report: Path | None = None,
    display: Display | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> BatchOutcome:
    """Run ``command`` ("compress" or "predict") over the inputs, showing each result on
    ``display`` as it comes and writing ``report`` (.json, .csv, .ndjson or .html) at the end;
    ``executor`` and ``ray_address``: see ``Batch.outcomes``.

    Stops cleanly on SIGINT and SIGTERM (jobs/signals.py): the outcome then covers the pictures
    that finished, and its exit code is 130 or 143.
    """
    display = display or Silent()
    started = time.perf_counter()
    pictures: PictureFolder | None = None
    if report is not None:
        check_report_path(report)
        if report.suffix.lower() == ".html":
            pictures = PictureFolder(report)
    batch = Batch(command, settings, inputs, view_folder=None if pictures is None else pictures.temp,
                  prune=[] if pictures is None else [pictures.path])  # a report's pictures are not inputs of a rerun
    if batch.unsearched:
        display.warn(f"{plural(batch.unsearched, 'subfolder')} not searched; -r (--recursive) reads them")
    if not batch.tasks:
        display.warn(f"no pictures found in {', '.join(map(str, inputs.paths))}")
        return BatchOutcome([], Totals.of([], seconds=time.perf_counter() - started), int(ExitCode.OK), 0)
    stdin = sys.stdin.buffer.read() if batch.tasks[0].from_stdin else None
    outcomes: dict[int, Outcome] = {}
    stopped: Interrupted | None = None

    def show(outcome: Outcome) -> None:
        outcomes[outcome.index] = outcome
        if outcome.data is not None:
            _to_stdout(outcome)
        for warning in outcome.result.warnings:
            display.warn(warning)
        if outcome.message is not None:
            display.error(outcome.message)
        display.result(outcome.result, batch.lone)
        display.advance(outcome.result.path)

    with stop_signals_raise(), pictures or nullcontext():
        display.start(command, len(batch.tasks))
        try:
            for outcome in batch.outcomes(jobs, stdin, display, executor=executor, ray_address=ray_address):
                with critical():  # a signal waits until the outcome is stored and its lines are out
                    show(outcome)
                raise_if_stopped()
            raise_if_stopped()
        except Interrupted as interrupt:
            stopped = interrupt
            for outcome in batch.stop():
                if outcome.index not in outcomes:
                    show(outcome)
        finally:
            batch.close()
            display.stop()
        done = [outcomes[index] for index in sorted(outcomes)]
        results = [outcome.result for outcome in done]
        totals = Totals.of(results, seconds=time.perf_counter() - started, interrupted=stopped is not None)
        unwritten = None
        if report is not None:
            with critical():
                try:
                    if pictures is not None:
                        pictures.commit()
                    write_report(report, results, totals, [outcome.view for outcome in done])
                except VpjndError as error:
                    unwritten = error
                    display.error(f"--report {error}")
    if stopped is not None:
        name = "SIGTERM" if stopped.exit_code == ExitCode.TERMINATED else "SIGINT"
        display.error(f"interrupted ({name}): {len(outcomes)} of {len(batch.tasks)} pictures finished; "
                      "every file written is complete")
        return BatchOutcome(results, totals, stopped.exit_code, len(batch.tasks))
    failed = [outcome.exit_code for outcome in done if outcome.message is not None]
    failed += [] if unwritten is None else [int(unwritten.exit_code)]
    code = (failed[0] if batch.lone else int(ExitCode.SOME_FAILED)) if failed else int(ExitCode.OK)
    return BatchOutcome(results, totals, code, len(batch.tasks))


def _to_stdout(outcome: Outcome) -> None:
    """Write a picture to standard output; a full disk or a closed pipe fails the result, and
    further output goes nowhere (so that the interpreter does not fail again flushing it at exit)."""
    try:
        sys.stdout.buffer.write(outcome.data or b"")
        sys.stdout.buffer.flush()
    except OSError as error:
        cause = f"cannot write the picture ({os_cause(error)})"
        outcome.fail(int(ExitCode.USAGE), f"standard output: {cause}", cause)
        outcome.result.written = False
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _worker_count(jobs: int, tasks: int, local: Worker) -> tuple[int, bool]:
    """-j N (0: one per CPU), at most one per picture to search (one, which starts no process,
    when there is none); and whether a judge server runs the network for them (jobs/server.py):
    when it runs on an accelerator, whose one process batches the work of all the workers."""
    count = max(1, min(jobs or os.cpu_count() or 1, tasks))
    if count == 1 or local.judge_name != "vpjndnet":
        return count, False
    device = getattr(getattr(local.judge, "scorer", None), "device", None)  # torch's; the ONNX graph: the CPU
    from vpjnd_cli.jobs.server import wanted

    return count, wanted(device)
