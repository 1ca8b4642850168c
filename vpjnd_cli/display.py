"""Where long runs report to a person: the ``Display`` protocol, and ``Silent``, which shows nothing.

Batches (jobs/batch.py) and training (train/trainer.py) report through a ``Display``, so the
library never prints: the command line passes its console (vpjnd_cli/console.py), which draws a
progress bar on a terminal and writes lines on stdout and stderr; a Python caller gets ``Silent``
unless it passes its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from vpjnd_cli.results import Result


class Display(Protocol):
    """Progress, messages and per-picture results of a run."""

    def start(self, description: str, total: int, done: int = 0) -> None:
        """Begin (or restart) a progress bar of ``total`` steps, ``done`` of them already done."""

    def advance(self, label: str | None = None) -> None:
        """One step done (``label``: what it was)."""

    def stop(self) -> None:
        """The run is over: remove the progress bar."""

    def note(self, message: str) -> None:
        """A progress line (an epoch finished, a photo skipped)."""

    def warn(self, message: str) -> None:
        """Something the user should know; the run goes on."""

    def error(self, message: str) -> None:
        """Something failed (one picture, or the report)."""

    def info(self, message: str) -> None:
        """Detail for those who ask for it (the plan of a batch)."""

    def result(self, result: Result, lone: bool) -> None:
        """A picture is done (``lone``: it is the only input, named on the command line)."""


class Silent:
    """A display that shows nothing: the library's default."""

    def start(self, description: str, total: int, done: int = 0) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        pass

    def stop(self) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def warn(self, message: str) -> None:
        pass

    def error(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        pass

    def result(self, result: Result, lone: bool) -> None:
        pass


def plural(count: int, noun: str) -> str:
    """"1 batch", "2 batches": a count in words."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"
