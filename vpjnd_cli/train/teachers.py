"""Full-reference teachers: a distortion score per (reference, decoded candidate), higher = worse.

- ``butteraugli``: ``butteraugli_main`` (Debian libjxl-devtools) 3-norm, about 1.5 s per 1080p pair.
  The 3-norm, not the max-norm: the max-norm is noisy across QFs.
- ``ssimulacra2``: the PyPI ``ssimulacra2`` package (pure numpy), about 4 s per 1080p pair but
  milliseconds on the tiny pictures of the tests. Its score is 100 = identical; the distortion is
  100 - score.
Both tools read files, so pictures go through lossless PNGs in a private temporary folder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path

import cv2
import numpy as np

from vpjnd_cli.errors import ToolMissingError

TEACHERS = ("butteraugli", "ssimulacra2")
_PNORM = re.compile(r"3-norm:\s*([0-9.eE+-]+)")


class Teacher(ABC):
    """Scores pairs; ``distortion`` is what the psychometric function reads."""

    name: str

    @abstractmethod
    def distortion(self, reference: np.ndarray, candidate: np.ndarray) -> float:
        """Distortion of an HxWx3 uint8 candidate against its reference (0 = identical)."""


def _write_png(folder: str, name: str, rgb: np.ndarray) -> str:
    path = str(Path(folder) / name)
    if not cv2.imwrite(path, np.ascontiguousarray(rgb[..., ::-1])):
        raise RuntimeError(f"could not write {path}")
    return path


class Butteraugli(Teacher):
    name = "butteraugli"
    program = "butteraugli_main"

    def __init__(self) -> None:
        found = shutil.which(self.program)
        if found is None:
            raise ToolMissingError(
                f"teacher butteraugli needs {self.program}, which is not on PATH; install it with "
                "`apt-get install libjxl-devtools` (Debian/Ubuntu), or use --teacher ssimulacra2"
            )
        self.executable = found

    def distortion(self, reference: np.ndarray, candidate: np.ndarray) -> float:
        with tempfile.TemporaryDirectory(prefix="vpjnd-teacher-") as folder:
            paths = [_write_png(folder, name, rgb) for name, rgb in (("r.png", reference), ("d.png", candidate))]
            done = subprocess.run([self.executable, *paths, "--pnorm", "3"], check=False,
                                  capture_output=True, text=True)
        match = _PNORM.search(done.stdout)
        if done.returncode != 0 or match is None:
            raise RuntimeError(f"{self.program} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
        return float(match.group(1))


class Ssimulacra2(Teacher):
    name = "ssimulacra2"

    def __init__(self) -> None:
        try:
            from ssimulacra2 import compute_ssimulacra2
        except ImportError:
            raise ToolMissingError(
                "teacher ssimulacra2 needs the Python package ssimulacra2: `pip install ssimulacra2` "
                "(or `pip install -e .[train]`), or use --teacher butteraugli"
            ) from None
        self._compute = compute_ssimulacra2

    def distortion(self, reference: np.ndarray, candidate: np.ndarray) -> float:
        with tempfile.TemporaryDirectory(prefix="vpjnd-teacher-") as folder:
            paths = [_write_png(folder, name, rgb) for name, rgb in (("r.png", reference), ("d.png", candidate))]
            return 100.0 - float(self._compute(*paths))


def get_teacher(name: str) -> Teacher:
    """The named teacher; its tool missing is a ToolMissingError (exit 3)."""
    from vpjnd_cli.errors import UsageError

    if name == "butteraugli":
        return Butteraugli()
    if name == "ssimulacra2":
        return Ssimulacra2()
    raise UsageError(f"unknown teacher {name!r}; choose one of: {', '.join(TEACHERS)}")
