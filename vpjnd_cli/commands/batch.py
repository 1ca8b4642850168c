"""Per-input error reporting shared by commands that take several inputs."""

from __future__ import annotations

import typer

from vpjnd_cli.errors import VpjndError


def report_failure(error: VpjndError) -> None:
    """Report one failed input on stderr in the CLI's one-line format and carry on."""
    typer.echo(f"vpjnd: error: {error}", err=True)
