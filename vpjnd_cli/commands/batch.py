"""Per-input error handling shared by commands that take several inputs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from vpjnd_cli.commands.options import warn
from vpjnd_cli.errors import ExitCode, VpjndError

if TYPE_CHECKING:
    from vpjnd_cli.imageio import LoadedImage


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
