"""Where the trained VP-JNDnet weights are; torch-free so the CLI can fail fast with exit 3."""

from __future__ import annotations

import os
from pathlib import Path

import vpjnd_cli
from vpjnd_cli.errors import ToolMissingError

ENV_VAR = "VPJND_WEIGHTS"
WEIGHTS_FILENAME = "vpjndnet.safetensors"


def shipped_weights_path() -> Path:
    """``<repo>/weights/vpjndnet.safetensors``, next to the package (it may not exist)."""
    return Path(vpjnd_cli.__file__).resolve().parent.parent / "weights" / WEIGHTS_FILENAME


def default_weights_path() -> Path | None:
    """$VPJND_WEIGHTS when set (even if missing, so that loading names the file the user chose),
    else the shipped file when present, else None."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    shipped = shipped_weights_path()
    return shipped if shipped.is_file() else None


def require_weights(path: Path | None) -> Path:
    """``path`` (the user's --weights) if given, else the default weights; none at all is exit 3."""
    found = path if path is not None else default_weights_path()
    if found is None:
        raise ToolMissingError(
            f"no trained VP-JNDnet weights are installed (looked for ${ENV_VAR} and "
            f"{shipped_weights_path()}); use --judge pjnd or --weights PATH"
        )
    return found
