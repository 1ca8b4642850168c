"""BpgCodec: the BPG ladder and back-end choice behind the common Codec interface."""

from __future__ import annotations

import hashlib
import threading
from typing import Protocol

import numpy as np

from vpjnd_cli.codecs.base import Codec, CodecOptions, Level
from vpjnd_cli.codecs.bpg.builtin import PRESETS, BuiltinBackend
from vpjnd_cli.codecs.bpg.container import demux, mux
from vpjnd_cli.codecs.bpg.external import ExternalBackend, find_tool, require_tool
from vpjnd_cli.codecs.ladder import SAMPLINGS
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata

MAX_QP = 51
DEFAULT_EFFORT = 3  # bpgenc -m 3 = x265 preset "faster": the file written (BpgCodec)


class Backend(Protocol):
    fastest_effort: int

    def encode(self, rgb: np.ndarray, level: Level, effort: int) -> bytes: ...

    def decode(self, data: bytes) -> np.ndarray: ...


def select_backend(options: CodecOptions) -> Backend:
    """External bpgenc/bpgdec when asked for (or, with "auto", when both are on PATH), else built-in.

    Asking for the external back-end explicitly (bpg_backend="external", or a bpgenc/bpgdec
    path with "auto") while a tool is missing raises ToolMissingError; plain "auto" falls back
    to the built-in back-end silently. An effort the back-end does not have raises UsageError.
    """
    backend: Backend = BuiltinBackend()
    if options.bpg_backend != "builtin":
        bpgenc: str | None
        bpgdec: str | None
        if options.bpg_backend == "external" or options.bpgenc or options.bpgdec:
            bpgenc, bpgdec = require_tool("bpgenc", options.bpgenc), require_tool("bpgdec", options.bpgdec)
        else:
            bpgenc, bpgdec = find_tool("bpgenc", None), find_tool("bpgdec", None)
        if bpgenc and bpgdec:
            backend = ExternalBackend(bpgenc, bpgdec)
    effort = DEFAULT_EFFORT if options.effort is None else options.effort
    if not backend.fastest_effort <= effort < len(PRESETS):
        presets = f"x265 {PRESETS[backend.fastest_effort]}..{PRESETS[-1]}"
        raise UsageError(f"BPG effort must be {backend.fastest_effort}..{len(PRESETS) - 1} ({presets}), got {effort}")
    return backend


class BpgCodec(Codec):
    """BPG: levels are QP 0..51 (rising QP = more distorted), 4:2:0 and/or 4:4:4, 8 bits.

    effort is bpgenc's -m (1 superfast .. 9 placebo; the built-in back-end also takes 0 =
    ultrafast) and sets the file written: 3 (x265 "faster") by default. Search candidates are
    encoded at the back-end's fastest effort (built-in: ultrafast with x265's own 16x16 minimum
    CU; bpgenc: -m 1), a quarter to a third of the time of "faster", for files a few percent
    larger and a little more distorted at the same QP. The written file therefore decodes to
    other pixels than the judged candidate (unless effort is that fastest one), and the
    pipeline judges it again. bpgenc's own -m 8 (veryslow) gives files about 10 % smaller at the
    same QP, a little more distorted, for two to three times the time of "faster"; pass
    effort=8 to get it.
    """

    name = "bpg"
    extensions = (".bpg",)
    keeps_alpha = True  # an alpha layer; the built-in back-end codes it at the colour's QP
    samplings = ("420", "444")

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self.backend = select_backend(self.options)
        self.effort = DEFAULT_EFFORT if self.options.effort is None else self.options.effort
        self._cache_key: tuple[bytes, tuple[int, ...]] | None = None
        self._cache: dict[Level, bytes] = {}
        self._cache_lock = threading.Lock()

    def levels(self) -> list[Level]:
        """Per QP, 4:4:4 before 4:2:0 when both are wanted (less distorted at equal QP)."""
        return [Level(qp, chroma) for qp in range(MAX_QP + 1) for chroma in SAMPLINGS[self.options.chroma]]

    def encode(self, rgb: np.ndarray, level: Level) -> bytes:
        """A search candidate (the back-end's fastest effort), without metadata; each level's
        bytes are kept. Candidates of one picture may be encoded on several threads at once."""
        key = (hashlib.blake2b(np.ascontiguousarray(rgb).data, digest_size=16).digest(), rgb.shape)
        with self._cache_lock:
            if key != self._cache_key:
                self._cache_key, self._cache = key, {}
            cache = self._cache
        if level not in cache:
            cache[level] = self.backend.encode(rgb, level, self.backend.fastest_effort)
        return cache[level]

    def decode(self, data: bytes) -> np.ndarray:
        return self.backend.decode(data)

    def encode_final(self, rgb: np.ndarray, level: Level, metadata: Metadata | None = None) -> bytes:
        """The file at ``effort`` with EXIF/ICC/XMP extension records. Its pixels differ from
        ``encode``'s unless effort is the back-end's fastest, whose bytes it then reuses.

        Every record given is embedded; the caller drops what must not be (Metadata.keep_only).
        """
        if self.effort == self.backend.fastest_effort:
            data = self.encode(rgb, level)
        else:
            data = self.backend.encode(rgb, level, self.effort)
        if metadata is None or metadata.empty:
            return data
        return mux(demux(data).with_metadata(metadata))
