"""Where the trained VP-JNDnet weights are; torch-free so the CLI can fail fast with exit 3.

The shipped file is package data (vpjnd_cli/weights/), found through importlib.resources wherever
vpjnd is installed; $VPJND_WEIGHTS or --weights name another file.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path

from vpjnd_cli.errors import ToolMissingError

ENV_VAR = "VPJND_WEIGHTS"
WEIGHTS_FILENAME = "vpjndnet.safetensors"
HEADER_LIMIT = 100 << 20  # safetensors' own bound on the JSON header


def shipped_weights_path() -> Path:
    """The weights installed with the package, vpjnd_cli/weights/vpjndnet.safetensors (it may not
    exist). pip and pipx install packages as plain files, so the resource is a file path."""
    return Path(str(resources.files("vpjnd_cli").joinpath("weights", WEIGHTS_FILENAME)))


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


def trained_codecs(path: Path) -> tuple[str, ...] | None:
    """The codecs a weights file was trained on (its header's training record), read without torch;
    None when the file is unreadable or does not say (loading it reports what is wrong)."""
    try:
        with path.open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            if not 0 < size <= HEADER_LIMIT:
                return None
            header = json.loads(f.read(size))
        training = json.loads(header["__metadata__"]["training"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(training, dict):
        return None
    codecs = training.get("codecs")
    if isinstance(codecs, list) and codecs and all(isinstance(codec, str) for codec in codecs):
        return tuple(codecs)
    codec = training.get("codec")  # files from before the codec list
    return (codec,) if isinstance(codec, str) else None


def weights_name(path: Path) -> str:
    """A weights file as reports and markers name it: its stem and the first 8 hex digits of its
    SHA-256 (vpjndnet-1a2b3c4d), so that a file retrained under the same name is another model."""
    return f"{path.stem}-{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}"
