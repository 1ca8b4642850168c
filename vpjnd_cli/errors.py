"""One error model for the whole CLI: every expected failure is a VpjndError with an exit code.

The CLI prints ``vpjnd: error: <file>: <cause>`` on one line and exits with the code; only
``--debug`` shows a traceback. Library code raises these instead of printing.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from vpjnd_cli.chatter import one_line


class ExitCode(IntEnum):
    """Documented exit codes (README, "Exit codes")."""

    OK = 0
    SOME_FAILED = 1  # batch: at least one input failed, the others were processed
    USAGE = 2  # bad command line, unreadable or invalid input, unusable output path
    TOOL_MISSING = 3  # a required external tool or model file is not installed
    INTERNAL = 4  # a bug in vpjnd: rerun with --debug and report the traceback
    INTERRUPTED = 130  # Ctrl-C (SIGINT): 128 + 2, as a shell reports it
    TERMINATED = 143  # SIGTERM (kill, a service manager): 128 + 15


class VpjndError(Exception):
    """An expected failure with a one-line message, optionally about one file."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, path: str | Path | None = None) -> None:
        message = one_line(message)  # a library's text may hold newlines; stderr gets one line
        super().__init__(message)
        self.message = message
        self.path = None if path is None else str(path)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InputError(VpjndError):
    """The input file is missing, unreadable, corrupt, too large or of an unsupported kind."""


class OutputError(VpjndError):
    """The output path cannot be written (missing folder, would overwrite an input, exists)."""


class UsageError(VpjndError):
    """Options that contradict each other or make no sense for this input."""


class ToolMissingError(VpjndError):
    """A required external program, package or model file is not installed."""

    exit_code = ExitCode.TOOL_MISSING


def os_cause(error: OSError) -> str:
    """What an operating-system error says, in words and without the errno number or the file
    name (the message names the file): "no space left on device", "read-only file system"."""
    text = error.strerror or str(error)
    return text[:1].lower() + text[1:]
