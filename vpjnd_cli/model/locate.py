"""Where the trained VP-JNDnet weights are; torch-free so the CLI can fail fast with exit 3.

One file per criterion (vpjnd_cli/criteria.py), shipped as package data (vpjnd_cli/weights/) and
found through importlib.resources wherever vpjnd is installed; $VPJND_WEIGHTS (the paper
criterion's), $VPJND_STRICT_WEIGHTS or --weights name another file. A file's header records the
codecs and the criterion it was trained on.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from vpjnd_cli.errors import ToolMissingError

ENV_VARS = {"paper": "VPJND_WEIGHTS", "strict": "VPJND_STRICT_WEIGHTS"}
WEIGHTS_FILENAMES = {"paper": "vpjndnet.safetensors", "strict": "vpjndnet-strict.safetensors"}
HEADER_LIMIT = 100 << 20  # safetensors' own bound on the JSON header


def shipped_weights_path(criterion: str = "paper") -> Path:
    """The criterion's weights installed with the package, e.g. vpjnd_cli/weights/vpjndnet.safetensors
    (it may not exist). pip and pipx install packages as plain files, so the resource is a file path."""
    return Path(str(resources.files("vpjnd_cli").joinpath("weights", WEIGHTS_FILENAMES[criterion])))


def default_weights_path(criterion: str = "paper") -> Path | None:
    """The criterion's environment variable when set (even if missing, so that loading names the
    file the user chose), else its shipped file when present, else None."""
    env = os.environ.get(ENV_VARS[criterion], "").strip()
    if env:
        return Path(env).expanduser()
    shipped = shipped_weights_path(criterion)
    return shipped if shipped.is_file() else None


def require_weights(path: Path | None, criterion: str = "paper") -> Path:
    """``path`` (the user's --weights) if given, else the criterion's default weights; none at all
    is exit 3."""
    found = path if path is not None else default_weights_path(criterion)
    if found is None:
        raise ToolMissingError(
            f"no trained VP-JNDnet weights are installed for the {criterion} criterion (looked for "
            f"${ENV_VARS[criterion]} and {shipped_weights_path(criterion)}); "
            f"use {'--judge pjnd or ' if criterion == 'paper' else ''}--weights PATH"
        )
    return found


def _training_record(path: Path) -> dict | None:
    """The header's training record, read without torch; None when unreadable or absent."""
    try:
        with path.open("rb") as f:
            size = int.from_bytes(f.read(8), "little")
            if not 0 < size <= HEADER_LIMIT:
                return None
            header = json.loads(f.read(size))
        training = json.loads(header["__metadata__"]["training"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return training if isinstance(training, dict) else None


def trained_criterion(path: Path) -> str | None:
    """The criterion a weights file was trained for ("paper" for files from before the strict
    one); None when the file is unreadable (loading it reports what is wrong)."""
    training = _training_record(path)
    if training is None:
        return None
    criterion = training.get("criterion", "paper")
    return criterion if isinstance(criterion, str) else None


def trained_codecs(path: Path) -> tuple[str, ...] | None:
    """The codecs a weights file was trained on (its header's training record), read without torch;
    None when the file is unreadable or does not say (loading it reports what is wrong)."""
    training = _training_record(path)
    return None if training is None else recorded_codecs(training)


def recorded_codecs(training: dict[str, Any]) -> tuple[str, ...] | None:
    """The codecs a training record names: its codec list, or in a file from before that list its
    ``codec``, "jpeg" or "jpeg+webp"; None when it names none."""
    codecs = training.get("codecs")
    if isinstance(codecs, list) and codecs and all(isinstance(codec, str) for codec in codecs):
        return tuple(codecs)
    codec = training.get("codec")
    return tuple(codec.split("+")) if isinstance(codec, str) and codec else None


def weights_name(path: Path) -> str:
    """A weights file as reports and markers name it: its stem and the first 8 hex digits of its
    SHA-256 (vpjndnet-1a2b3c4d), so that a file retrained under the same name is another model."""
    return f"{path.stem}-{hashlib.sha256(path.read_bytes()).hexdigest()[:8]}"
