"""What commands that take several inputs share: per-input errors, and the end of a batch."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vpjnd_cli.commands.options import warn
from vpjnd_cli.errors import ExitCode, VpjndError

if TYPE_CHECKING:
    from vpjnd_cli.console import Console
    from vpjnd_cli.imageio import LoadedImage
    from vpjnd_cli.jobs.batch import BatchOutcome


def report_failure(error: VpjndError) -> None:
    """Report one failed input on stderr in the CLI's one-line format and carry on."""
    typer.echo(f"vpjnd: error: {error}", err=True)


def each_picture(paths: Sequence[Path], *, max_pixels: int, strict: bool) -> Iterator[tuple[Path, LoadedImage]]:
    """Yield every readable input with its picture, printing the loader's warnings.

    A lone input that fails raises its own error (and exit code); among several, failures are
    reported as they come and the batch ends with exit code 1 once the others are done.
    """
    from vpjnd_cli.imageio import load_image

    failures = 0
    for path in paths:
        try:
            picture = load_image(path, max_pixels=max_pixels, strict=strict)
        except VpjndError as error:
            if len(paths) == 1:
                raise
            failures += 1
            report_failure(error)
            continue
        for note in picture.warnings:
            warn(note)
        yield path, picture
    if failures:
        raise typer.Exit(ExitCode.SOME_FAILED)


def finish(console: Console, outcome: BatchOutcome, command: str) -> int:
    """The closing summary of a batch of several pictures (or of one, with -v), unless it was
    interrupted; the batch's exit code."""
    if not outcome.totals.interrupted and (outcome.pictures > 1 or console.verbose):
        shown = "compressed" if command == "compress" else "predicted"
        console.summary(f"vpjnd {command}", outcome.totals, {"ok": shown})
    return outcome.exit_code
