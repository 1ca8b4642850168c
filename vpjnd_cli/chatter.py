"""What libraries print around vpjnd's own messages, caught so that stderr keeps one line per message.

vpjnd writes one line per message on stderr (``vpjnd: error: ...``, ``vpjnd: warning: ...``).
Decoding libraries do not keep to that: libpng, libtiff and OpenCV write to file descriptor 2
themselves, Pillow warns through Python's warnings (two lines, with its own file and line) and
logs errors through Python's logging, and an exception's text may hold newlines. ``captured``
takes all of it while a decoder runs, so the loader can fold it into its own one-line messages;
``library_messages_on_one_line`` routes any other warning or log record to a
``vpjnd: warning:`` line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from typing import IO, Any


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, as one space."""
    return " ".join(str(text).split())


class _Records(logging.Handler):
    """Keeps the messages of the log records it is handed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(one_line(record.getMessage()))


class Chatter:
    """What libraries said while a ``captured`` block ran (also readable inside it)."""

    def __init__(self, sink: IO[bytes] | None, caught: list[warnings.WarningMessage], logged: _Records) -> None:
        self._sink, self._caught, self._logged = sink, caught, logged

    def lines(self) -> list[str]:
        """What was logged, then what C code wrote to file descriptor 2: one line each, blank ones dropped."""
        text = "" if self._sink is None else os.pread(self._sink.fileno(), 1 << 16, 0).decode("utf-8", "replace")
        return self._logged.messages + [line for line in map(one_line, text.splitlines()) if line]

    def warnings(self) -> list[str]:
        """The Python warnings' messages, one line each, without repeats."""
        return list(dict.fromkeys(one_line(str(caught.message)) for caught in self._caught))


@contextlib.contextmanager
def captured() -> Iterator[Chatter]:
    """Run the block with file descriptor 2 sent to a temporary file, Python warnings and log records
    (warnings and worse) kept.

    Where descriptor 2 cannot be redirected (closed), C output goes where it would have gone.
    """
    logged, root = _Records(), logging.getLogger()
    with tempfile.TemporaryFile() as sink, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        root.addHandler(logged)
        sys.stderr.flush()
        try:
            saved = os.dup(2)
        except OSError:
            saved = None
        try:
            if saved is None:
                yield Chatter(None, caught, logged)
                return
            os.dup2(sink.fileno(), 2)
            try:
                yield Chatter(sink, caught, logged)
            finally:
                os.dup2(saved, 2)
                os.close(saved)
        finally:
            root.removeHandler(logged)


class _OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"vpjnd: warning: {one_line(record.getMessage())}"


def library_messages_on_one_line() -> None:
    """Show every Python warning, and every log record of a library that set up no logging of its
    own, as one ``vpjnd: warning:`` line (no source file, line or code)."""

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        stream = file or sys.stderr
        stream.write(f"vpjnd: warning: {one_line(str(message))}\n")
        stream.flush()

    warnings.showwarning = show
    fallback = logging.StreamHandler()  # what logging uses when no handler is configured
    fallback.setLevel(logging.WARNING)
    fallback.setFormatter(_OneLineFormatter())
    logging.lastResort = fallback
