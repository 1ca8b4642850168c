"""What a run shows: result lines on stdout, warnings, errors, progress and the summary on stderr.

The progress bar appears only when stderr is a terminal (and not with ``-q``). While it is on
screen, every message goes through its console, so lines land above the bar instead of through
it; result lines for a terminal stdout do too (a piped stdout is written directly and stays
clean for machines).
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any, Self

import typer
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table


class Screen:
    """-q: errors only. Default: result lines, warnings, errors, summary. -v: also skips and the plan."""

    def __init__(self, *, quiet: bool, verbose: bool, total: int) -> None:
        self.quiet, self.verbose = quiet, verbose and not quiet
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)
        self.progress: Progress | None = None
        if total > 1 and not quiet and self.errors.is_terminal:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TimeRemainingColumn(), console=self.errors, transient=True,
            )
            self._bar = self.progress.add_task("starting", total=total)

    def __enter__(self) -> Self:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def out(self, line: str) -> None:
        """A result line (human or JSON) for stdout."""
        if self.progress is not None and sys.stdout.isatty():
            self.errors.print(line, markup=False)
        else:
            typer.echo(line)

    def note(self, line: str) -> None:
        """A result line for stderr, when stdout carries the picture itself (-o -)."""
        if not self.quiet:
            self._err(line)

    def warn(self, message: str) -> None:
        if not self.quiet:
            self._err(f"vpjnd: warning: {message}")

    def error(self, message: str) -> None:
        self._err(f"vpjnd: error: {message}")

    def info(self, message: str) -> None:
        if self.verbose:
            self._err(f"vpjnd: {message}")

    def advance(self, label: str) -> None:
        if self.progress is not None:
            self.progress.update(self._bar, advance=1, description=label[-40:])

    def summary(self, title: str, totals: dict[str, Any], names: dict[str, str]) -> None:
        """The closing table: files by outcome (statuses shown by ``names``), bytes, saving, time."""
        if self.quiet:
            return
        table = Table(title=title, box=box.SIMPLE, show_header=False, title_justify="left")
        table.add_column(justify="left")
        table.add_column(justify="right")
        table.add_row("files", f"{totals['files']:,}")
        for status, count in totals["statuses"].items():
            table.add_row(names.get(status, status), f"{count:,}")
        if totals["bytes_in"]:
            table.add_row("bytes in -> out", f"{totals['bytes_in']:,} -> {totals['bytes_out']:,}")
            table.add_row("saving", f"{100 * totals['saving']:.1f} %")
        table.add_row("time", f"{totals['seconds']:.1f} s")
        self.errors.print(table)

    def _err(self, text: str) -> None:
        if self.progress is not None:
            self.errors.print(text, markup=False)
        else:
            typer.echo(text, err=True)
