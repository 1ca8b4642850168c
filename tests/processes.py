"""Running vpjnd in a child process, as the tests that need a real process (signals, file
permissions, standard input and output) do."""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Callable

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
