"""The command line's display (vpjnd_cli/display.py): result lines on stdout; warnings, errors,
progress lines, the progress bar and the closing summary on stderr.

The progress bar appears only when stderr is a terminal (and not with ``-q``). While it is on
screen, every message goes through its console, so lines land above the bar instead of through
it; result lines for a terminal stdout do too (a piped stdout is written directly and stays
clean for machines). This and the command modules are the only ones that use Typer and rich.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import Self

import typer
from rich import box
from rich.console import Console as RichConsole
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from vpjnd_cli.chatter import one_line
from vpjnd_cli.results import Result, Status, Totals

Describe = Callable[[Result, bool], "str | None"]


class Console:
    """-q: errors only. Default: result lines, warnings, errors, summary. -v: also skips and the plan.

    ``describe(result, show_skipped)`` is a result's human line (None: no line); ``json_output``
    prints each result as one JSON line instead; ``picture_on_stdout``: stdout carries a picture
    (``-o -``), so result lines go to stderr.
    """

    def __init__(self, *, quiet: bool = False, verbose: bool = False, json_output: bool = False,
                 describe: Describe | None = None, picture_on_stdout: bool = False) -> None:
        self.quiet, self.verbose = quiet, verbose and not quiet
        self.json_output, self.describe, self.picture_on_stdout = json_output, describe, picture_on_stdout
        self.errors = RichConsole(stderr=True, highlight=False, soft_wrap=True)
        self.progress: Progress | None = None
        self._bar: TaskID | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # The Display protocol.
    def start(self, description: str, total: int, done: int = 0) -> None:
        """A progress bar, when there is more than one step and stderr is a terminal."""
        if self.quiet or total <= 1 or not self.errors.is_terminal:
            return
        if self.progress is None:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TimeRemainingColumn(), console=self.errors, transient=True,
            )
            self.progress.start()
        if self._bar is not None:
            self.progress.remove_task(self._bar)
        self._bar = self.progress.add_task(description, total=total, completed=done)

    def advance(self, label: str | None = None) -> None:
        if self.progress is not None and self._bar is not None:
            self.progress.update(self._bar, advance=1, description=None if label is None else label[-40:])

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress, self._bar = None, None

    def note(self, message: str) -> None:
        if not self.quiet:
            self._err(f"vpjnd: {message}")

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._err(f"vpjnd: warning: {message}")

    def error(self, message: str) -> None:
        self._err(f"vpjnd: error: {message}")

    def info(self, message: str) -> None:
        if self.verbose:
            self._err(f"vpjnd: {message}")

    def result(self, result: Result, lone: bool) -> None:
        """The result's line: JSON (not for a lone input that failed: its error line says it all),
        or the human line."""
        if self.json_output:
            if not (lone and result.status is Status.FAILED):
                self.out(result.to_json())
            return
        line = None if self.quiet or self.describe is None else self.describe(result, lone or self.verbose)
        if line is None:
            return
        if self.picture_on_stdout:
            self._err(line)
        else:
            self.out(line)

    # The command line's own.
    def out(self, line: str) -> None:
        """A result line (human or JSON) for stdout."""
        if self.progress is not None and sys.stdout.isatty():
            self.errors.print(line, markup=False)
        else:
            typer.echo(line)

    def summary(self, title: str, totals: Totals, names: dict[str, str]) -> None:
        """The closing table: files by outcome (statuses shown by ``names``), bytes, saving, time."""
        if self.quiet:
            return
        table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
        table.add_column(justify="left")
        table.add_column(justify="right")
        table.add_row("files", f"{totals.files:,}")
        for status, count in totals.statuses.items():
            table.add_row(names.get(status, status), f"{count:,}")
        if totals.bytes_in:
            table.add_row("bytes in -> out", f"{totals.bytes_in:,} -> {totals.bytes_out:,}")
            table.add_row("saving", f"{100 * (totals.saving or 0.0):.1f} %")
        table.add_row("time", f"{totals.seconds:.1f} s")
        self.errors.print(table)

    def _err(self, text: str) -> None:
        text = one_line(text)
        if self.progress is not None:
            self.errors.print(text, markup=False)
        else:
            typer.echo(text, err=True)
