"""Options shared by several commands, declared once so they read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.limits import DEFAULT_MAX_PIXELS

InputPath = Annotated[Path, typer.Argument(help="Input picture.", metavar="IN", readable=False, show_default=False)]
OutputPath = Annotated[Path, typer.Option("--output", "-o", help="Output file.", metavar="OUT", show_default=False)]
Force = Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing output file (never an input).")]
MaxPixels = Annotated[
    int,
    typer.Option(
        "--max-pixels",
        min=0,
        help="Refuse inputs with more pixels than this (decompression-bomb guard; 0 = no limit).",
    ),
]
Strict = Annotated[
    bool, typer.Option("--strict", help="Refuse animated or multi-page inputs instead of using their first frame.")
]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def warn(message: str) -> None:
    """A one-line warning on stderr (stdout stays clean for machine-readable output)."""
    typer.echo(f"vpjnd: warning: {message}", err=True)
