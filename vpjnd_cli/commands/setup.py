"""Turning command-line option texts into the typed values of ``Settings`` (shared by commands)."""

from __future__ import annotations

import os
from pathlib import Path

from vpjnd_cli.errors import UsageError


def parse_colour(text: str) -> tuple[int, int, int]:
    """RRGGBB (with or without #) as an RGB triple."""
    value = text.lstrip("#")
    if len(value) != 6 or any(ch not in "0123456789abcdefABCDEF" for ch in value):
        raise UsageError(f"--background must be a hex colour like ffffff, not {text!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def metadata_kinds(strip: bool, keep: str | None) -> frozenset[str]:
    """--strip (nothing) or --keep exif,icc,xmp (a subset); by default every kind is kept."""
    from vpjnd_cli.imageio.metadata import METADATA_KINDS

    if strip and keep is not None:
        raise UsageError("--strip and --keep contradict each other")
    if strip:
        return frozenset()
    if keep is None:
        return frozenset(METADATA_KINDS)
    kinds = {kind.strip().lower() for kind in keep.split(",") if kind.strip()}
    unknown = kinds - set(METADATA_KINDS)
    if unknown:
        raise UsageError(f"--keep: unknown metadata kind {', '.join(sorted(unknown))}; choose from "
                         f"{', '.join(METADATA_KINDS)}")
    return frozenset(kinds)


def check_backup_suffix(suffix: str) -> str:
    """--backup SUFFIX: appended to a file name, so no folder separator; not a picture extension,
    which would make every backup an input of the next run."""
    from vpjnd_cli.jobs.inputs import PICTURE_SUFFIXES

    if not suffix or "/" in suffix or os.sep in suffix:
        raise UsageError(f"--backup takes a suffix for the file name, like .orig, not {suffix!r}")
    if Path(f"picture{suffix}").suffix.lower() in PICTURE_SUFFIXES:
        raise UsageError(f"--backup {suffix}: backups ending in a picture extension would be inputs of the next run; "
                         "use a suffix like .orig")
    return suffix
