"""A command's run over its inputs: find them, plan outputs, run the jobs, show, report, exit code.

Inputs that need no search (skipped, or failed while planning or reading) are settled in this
process first; worker processes start only when some picture needs the search.

Exit codes: 0 when every input succeeded or was skipped; for a lone input named on the command
line, its own error's code (2 unreadable or unwritable, 3 tool missing, ...), as before batches
existed; for several, 1 when any failed or the report could not be written; 130 on SIGINT and
143 on SIGTERM (signals.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from vpjnd_cli.codecs import available_codecs, codec_extensions, codec_for_path
from vpjnd_cli.commands.summary import plural
from vpjnd_cli.errors import ExitCode, UsageError, VpjndError, os_cause
from vpjnd_cli.jobs.console import Screen
from vpjnd_cli.jobs.html_report import PictureFolder
from vpjnd_cli.jobs.inputs import PICTURE_SUFFIXES, STDIO, Task, find_sources, plan_tasks
from vpjnd_cli.jobs.picture import JobSettings, Result, Worker
from vpjnd_cli.jobs.pool import Runner
from vpjnd_cli.jobs.report import check_report_path, totals, write_report
from vpjnd_cli.jobs.signals import (
    Interrupted,
    critical,
    raise_if_stopped,
    stop_signals_raise,
)
from vpjnd_cli.pipeline import ladder_index

AUTO_CODECS = ("jpeg", "webp", "avif")  # what browsers and photo viewers open without plug-ins

Describe = Callable[[dict[str, Any], bool], "str | None"]


def choose_codecs(
    codec: str | None, codecs: str | None, arguments: Sequence[Path], output: Path | None, folder: bool = False
) -> tuple[str, ...]:
    """The codecs to search: --codec NAME, --codec auto [--codecs LIST], else OUT's extension
    (one output file), else JPEG. A --codec NAME that a picture extension of OUT contradicts is
    a UsageError (``folder``: OUT ended in /)."""
    one_file = (
        output is not None and output != STDIO and len(arguments) == 1 and not arguments[0].is_dir()
        and not output.is_dir() and not folder
    )
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
        suffix = output.suffix.lower() if one_file else ""
        if suffix in PICTURE_SUFFIXES and suffix not in codec_extensions(name):
            raise UsageError(f"a {suffix} name, but --codec {name} writes {name}: "
                             f"name it {output.with_suffix(codec_extensions(name)[0]).name}, or drop --codec", output)
        return (name,)
    return (codec_for_path(output),) if one_file else ("jpeg",)


def run_batch(
    settings: JobSettings,
    arguments: Sequence[Path],
    *,
    describe: Describe,
    output: Path | None = None,
    folder: bool = False,
    template: str | None = None,
    in_place: bool = False,
    backup: str | None = None,
    recursive: bool = False,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    jobs: int = 1,
    quiet: bool = False,
    verbose: bool = False,
    report: Path | None = None,
    json_output: bool = False,
) -> None:
    """Run ``settings.command`` over the inputs; end with typer.Exit for any exit code but 0.

    ``describe(record, show_skipped)`` is the human result line of a record (None: no line).
    ``folder``: OUT names a folder (it ended in /); ``in_place``, ``backup``: see plan_tasks.
    """
    started = time.perf_counter()
    pictures: PictureFolder | None = None
    if report is not None:
        check_report_path(report)
        if report.suffix.lower() == ".html":
            pictures = PictureFolder(report)
            settings = replace(settings, view_folder=pictures.temp)
    if output == STDIO and json_output:
        raise UsageError("-o - writes the picture on stdout; use --report FILE for the numbers")
    prune = [] if output in (None, STDIO) else [output]
    prune += [] if pictures is None else [pictures.path]  # a report's pictures are not inputs of a rerun
    found = find_sources(arguments, recursive=recursive, include=include, exclude=exclude, prune=prune)
    sources = found.sources
    tasks = plan_tasks(sources, codecs=settings.codecs, output=output, template=template, folder=folder,
                       in_place=in_place, backup=backup)
    lone = len(sources) == 1 and not sources[0].found
    local = Worker(settings)  # fails fast (exit 2 or 3) on a bad codec, judge or weights file
    if settings.search.level is not None:
        codec = local.codecs[0]
        ladder_index(codec.levels(), settings.search.level, codec.name)
    screen = Screen(quiet=quiet, verbose=verbose, total=len(tasks))
    if found.unsearched:
        screen.warn(f"{plural(found.unsearched, 'subfolder')} not searched; -r (--recursive) reads them")
    if not tasks:
        screen.warn(f"no pictures found in {', '.join(map(str, arguments))}")
        return
    stdin = sys.stdin.buffer.read() if tasks[0].from_stdin else None
    runner: Runner | None = None
    results: dict[int, Result] = {}
    stopped: Interrupted | None = None

    def show(result: Result) -> None:
        results[result.index] = result
        if result.data is not None:
            _to_stdout(result)
        for note in result.notes:
            screen.warn(note)
        record = result.record
        if result.message is not None:
            screen.error(result.message)
        if json_output and not (lone and result.message):
            screen.out(json.dumps(record))
        elif not json_output and not quiet:
            line = describe(record, lone or screen.verbose)
            if line is not None:
                (screen.note if output == STDIO else screen.out)(line)
        screen.advance(record["path"])

    with stop_signals_raise(), pictures or nullcontext():
        with screen:
            try:
                pending: list[Task] = []
                for task in tasks:
                    settled = local.triage(task, stdin)
                    if settled is None:
                        pending.append(task)
                        continue
                    with critical():  # a signal waits until the result is stored and its lines are out
                        show(settled)
                    raise_if_stopped()
                workers = _worker_count(jobs, len(pending), local, screen)
                screen.info(f"{len(tasks)} picture(s), {len(pending)} to search; {workers} worker process(es); "
                            f"codecs {', '.join(settings.codecs)}; judge {settings.judge}")
                runner = Runner(pending, settings, jobs=workers, local=local, stdin=stdin, raise_bugs=lone)
                for result in runner.results():
                    with critical():
                        show(result)
                    raise_if_stopped()
                raise_if_stopped()
            except Interrupted as interrupt:
                stopped = interrupt
                for result in [] if runner is None else runner.stop():
                    if result.index not in results:
                        show(result)
            finally:
                if runner is not None:
                    runner.close()
        records = [results[index].record for index in sorted(results)]
        summary = totals(records, seconds=time.perf_counter() - started, interrupted=stopped is not None)
        unwritten = None
        if report is not None:
            with critical():
                try:
                    if pictures is not None:
                        pictures.commit()
                    write_report(report, records, summary, [results[index].view for index in sorted(results)])
                except VpjndError as error:
                    unwritten = error
                    screen.error(f"--report {error}")
    if stopped is not None:
        name = "SIGTERM" if stopped.exit_code == ExitCode.TERMINATED else "SIGINT"
        screen.error(f"interrupted ({name}): {len(results)} of {len(tasks)} pictures finished; "
                     "every file written is complete")
        raise typer.Exit(stopped.exit_code)
    if len(tasks) > 1 or screen.verbose:
        shown = "compressed" if settings.command == "compress" else "predicted"
        screen.summary(f"vpjnd {settings.command}", summary, {"ok": shown})
    failed = [int(result.exit_code) for result in results.values() if result.message is not None]
    failed += [] if unwritten is None else [int(unwritten.exit_code)]
    if failed:
        raise typer.Exit(failed[0] if lone else int(ExitCode.SOME_FAILED))


def _to_stdout(result: Result) -> None:
    """Write a picture to standard output; a full disk or a closed pipe fails the result, and
    further output goes nowhere (so that the interpreter does not fail again flushing it at exit)."""
    try:
        sys.stdout.buffer.write(result.data or b"")
        sys.stdout.buffer.flush()
    except OSError as error:
        cause = f"cannot write the picture ({os_cause(error)})"
        result.fail(int(ExitCode.USAGE), f"standard output: {cause}", cause)
        result.record["written"] = False
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _worker_count(jobs: int, tasks: int, local: Worker, screen: Screen) -> int:
    """-j N (0: one per CPU), at most one per picture to search (one, which starts no process,
    when there is none); one when the network runs on an accelerator, whose single process
    batches the work better than several processes sharing it would."""
    count = max(1, min(jobs or os.cpu_count() or 1, tasks))
    device = getattr(getattr(local.judge, "scorer", None), "device", None)
    if count > 1 and device is not None and getattr(device, "type", "cpu") != "cpu":
        screen.warn(f"the judge runs on {device}: one process serves every picture (-j {jobs} is ignored)")
        return 1
    return count
