"""The external back-end: libbpg's own bpgenc and bpgdec, run as subprocesses.

Levels are bpgenc's ``-q`` values. bpgenc leaves x265's ipratio at 1.4, so its slice QP is
about ``-q`` minus 3: the same level number is a slightly finer quantiser here than in the
built-in back-end. Files go through a private temporary directory (mode 0700) per call.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.errors import InputError, ToolMissingError, VpjndError

INSTALL_HINT = (
    "install libbpg (build bpgenc and bpgdec from the source at https://bellard.org/bpg/) "
    "or use the built-in BPG encoder (--bpg-backend builtin)"
)


def find_tool(name: str, given: str | None) -> str | None:
    """The executable ``given`` (a path) or ``name`` on PATH; None if missing or not executable."""
    return shutil.which(given or name)


def require_tool(name: str, given: str | None) -> str:
    """Like find_tool, but a missing tool raises ToolMissingError with the install hint."""
    found = find_tool(name, given)
    if found is None:
        where = f"at {given}" if given else "on PATH"
        raise ToolMissingError(f"{name} not found {where} or not executable: {INSTALL_HINT}")
    return found


class ExternalBackend:
    """bpgenc for encoding (``-m`` = effort), bpgdec for decoding, through PNG files."""

    fastest_effort = 1  # bpgenc -m 1, x265 superfast: search candidates

    def __init__(self, bpgenc: str, bpgdec: str) -> None:
        self.bpgenc = bpgenc
        self.bpgdec = bpgdec

    def encode(self, pixels: np.ndarray, level: Level, effort: int) -> bytes:
        """Metadata is not passed through bpgenc (it only keeps what it finds in its input);
        the codec embeds it by remuxing the result. An RGBA picture's alpha goes through the
        PNG, and bpgenc codes it."""
        with tempfile.TemporaryDirectory(prefix="vpjnd-bpg-") as tmp:
            src, dst = Path(tmp, "in.png"), Path(tmp, "out.bpg")
            Image.fromarray(pixels).save(src, compress_level=1)
            args = ["-q", str(level.setting), "-f", level.chroma, "-m", str(effort), "-o", str(dst), str(src)]
            self._run(self.bpgenc, args, VpjndError)
            return dst.read_bytes()

    def decode(self, data: bytes) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="vpjnd-bpg-") as tmp:
            src, dst = Path(tmp, "in.bpg"), Path(tmp, "out.png")
            src.write_bytes(data)
            self._run(self.bpgdec, ["-o", str(dst), str(src)], InputError)
            with Image.open(dst) as png:
                return np.asarray(png.convert("RGBA" if png.has_transparency_data else "RGB"))

    @staticmethod
    def _run(tool: str, args: list[str], error: type[VpjndError]) -> None:
        try:
            done = subprocess.run([tool, *args], capture_output=True, text=True, errors="replace")
        except OSError as exc:
            raise ToolMissingError(f"cannot run {tool} ({exc.strerror}): {INSTALL_HINT}") from None
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise error(f"{Path(tool).name} failed (exit {done.returncode}): {lines[-1] if lines else 'no message'}")
