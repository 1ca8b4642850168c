"""Running vpjnd in a child process, as the tests that need a real process (signals, file
permissions, standard input and output, a full or read-only file system) do."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

CLI = [sys.executable, "-m", "vpjnd_cli"]


def drop_root_file_access() -> None:
    """In the child: give up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH so permissions apply to root."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_apply() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes file permissions bind the child even when the tests run as root."""
    return drop_root_file_access if os.geteuid() == 0 else None


def tiny_filesystems() -> bool:
    """Whether this machine lets a child mount a file system of its own (a user and mount namespace)."""
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode == 0


def on_tiny_filesystem(
    mount: Path, command: list[str], *, options: str
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run ``command`` with a tmpfs mounted at ``mount`` for it alone (``options``: "size=4k" for a
    disk that is full once a 4 KiB file is on it, "ro" for a read-only one; no root needed), and
    list what the command left on it (paths relative to ``mount``, the filling file aside)."""
    script = (
        'options="$1"; mount -t tmpfs -o "$1" tmpfs "$2" || exit 90; shift 2; '
        'case "$options" in ro) ;; *) head -c 4096 /dev/zero > "$MOUNT/.filler" 2>/dev/null ;; esac; '
        '"$@" > "$MOUNT_LOG.out" 2> "$MOUNT_LOG.err"; code=$?; '
        'cd "$MOUNT" && find . -mindepth 1 ! -name .filler; exit $code'
    )
    log = mount.parent / f".{mount.name}.log"
    env = {**os.environ, "MOUNT": str(mount), "MOUNT_LOG": str(log), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", options, str(mount), *command],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode != 90, done.stderr
    left = sorted(line.removeprefix("./") for line in done.stdout.split())
    output = subprocess.CompletedProcess(command, done.returncode, Path(f"{log}.out").read_text(),
                                         Path(f"{log}.err").read_text())
    return output, left
