"""Atomic, input-safe output: a file is either absent or complete, and inputs are never touched."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from vpjnd_cli.errors import OutputError, os_cause


def check_output_path(path: str | Path, *, inputs: Iterable[str | Path] = (), force: bool = False) -> Path:
    """Validate an output path before any work is done; return it.

    Refuses a missing folder, a path that is (or links to) one of the inputs even with
    --force, a directory, and an existing file unless ``force``.
    """
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"output folder does not exist: {parent}", target)
    for source in inputs:
        if _same_file(target, Path(source)):
            raise OutputError("output path is the input file; refusing to overwrite an input", target)
    if target.is_dir():
        raise OutputError("output path is a directory", target)
    if target.exists() and not force:
        raise OutputError("output file exists (use --force to overwrite it)", target)
    if not os.access(parent, os.W_OK):
        raise OutputError(f"output folder is not writable: {parent}", target)
    return target


def write_atomic(
    path: str | Path, data: bytes, *, inputs: Iterable[str | Path] = (), force: bool = False, mode: int | None = None
) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename.

    A crash or Ctrl-C leaves either the old state or the complete new file, never a partial
    one. Without ``force`` an existing file is never replaced, even one created meanwhile.
    ``mode``: the new file's permissions (default: 0666 less the umask). A full disk, a quota,
    a read-only file system or a denied permission is an OutputError naming the file.
    """
    inputs = tuple(inputs)
    target = check_output_path(path, inputs=inputs, force=force)
    temp_name = None
    try:
        descriptor, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o666 & ~_umask() if mode is None else mode)
        if force:
            os.replace(temp_name, target)
        else:
            _link_without_overwrite(temp_name, target)
    except BaseException as exc:
        if temp_name is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp_name)
        if isinstance(exc, OSError):
            raise OutputError(f"cannot write the file ({os_cause(exc)})", target) from exc
        raise
    _fsync_folder(target.parent)
    return target


def _link_without_overwrite(temp_name: str, target: Path) -> None:
    """Rename that fails if the target appeared since the check (hard link, then unlink)."""
    try:
        os.link(temp_name, target)
    except FileExistsError as exc:
        raise OutputError("output file exists (use --force to overwrite it)", target) from exc
    except OSError:  # file systems without hard links: fall back to a plain rename
        if target.exists():
            raise OutputError("output file exists (use --force to overwrite it)", target) from None
        os.replace(temp_name, target)
        return
    os.unlink(temp_name)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
