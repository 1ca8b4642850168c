"""Stopping on SIGINT (Ctrl-C) or SIGTERM without leaving a partial file.

In the main process both signals raise ``Interrupted``, which ends the batch: the report and the
summary still cover the finished pictures, and the exit code is 130 (SIGINT) or 143 (SIGTERM),
128 + the signal number as a shell reports it. A picture's run is a ``job``: a signal stops it at
once until it starts writing its file; from that ``commit`` to the end of the job, signals are
held back, so every output is either absent or complete and reported, and no temporary file is
left behind. Other writes (the report) hold signals back in a ``critical`` section.
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
    depth = 0  # nested critical sections and committed jobs
    jobs = 0  # nested job scopes
    pending: int | None = None  # a signal held back until the section ends


_state = _State()


@contextlib.contextmanager
def critical() -> Iterator[None]:
    """Hold stop signals back while the block runs; ``raise_if_stopped`` acts on them later."""
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1


@contextlib.contextmanager
def job() -> Iterator[None]:
    """One picture's run, up to the point where its result is in the caller's hands.

    Before ``commit`` a stop signal raises Interrupted inside it; after, the signal waits for
    ``raise_if_stopped``. The scope must also cover storing the result, or a signal that comes
    between the job's return and its caller's next instruction would lose a written file's record.
    """
    depth = _state.depth
    _state.jobs += 1
    try:
        yield
    finally:
        _state.jobs -= 1
        _state.depth = depth


def commit() -> None:
    """The job starts writing its output: hold stop signals back until the job scope ends."""
    if not _state.jobs:
        raise RuntimeError("commit() outside a job scope would hold stop signals back for ever")
    _state.depth += 1


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
