"""Stopping on SIGINT (Ctrl-C) or SIGTERM without leaving a partial file.

In the main process both signals raise ``Interrupted``, which ends the batch: the report and the
summary still cover the finished pictures, and the exit code is 130 (SIGINT) or 143 (SIGTERM),
128 + the signal number as a shell reports it. Writing a file (temporary file, fsync, rename,
times) is a ``critical`` section: a signal that arrives during it is held back until the job has
returned its result, so every output is either absent or complete and reported, and no
temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

from vpjnd_cli.errors import ExitCode

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived (a KeyboardInterrupt, so that anything which handles Ctrl-C handles it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return int(ExitCode.TERMINATED if self.signum == signal.SIGTERM else ExitCode.INTERRUPTED)


class _State:
    depth = 0  # nested critical sections
    pending: int | None = None  # a signal held back until the section ends


_state = _State()


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """Hold stop signals back while the block runs; ``raise_if_stopped`` acts on them later.

    A write is the last step of a job, so the job still returns its result (the file exists and
    is reported) and the signal stops the run before the next job starts.
    """
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1


def raise_if_stopped() -> None:
    """Raise Interrupted for a signal that a critical section held back."""
    if _state.pending is not None:
        signum, _state.pending = _state.pending, None
        raise Interrupted(signum)


def raise_interrupted(signum: int, frame: FrameType | None) -> None:
    """Signal handler: raise Interrupted now, or hold the signal back during a critical section."""
    if _state.depth:
        _state.pending = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise Interrupted in this process while the block runs.

    Signal handlers can only be set from the main thread; elsewhere (an embedding program's
    thread) the process keeps its own handling.
    """
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, raise_interrupted)
    except ValueError:
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
