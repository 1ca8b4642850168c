"""The one small interface every output format implements.

The search only needs, per codec, an ordered ladder of levels (least to most distorted), an
encoder and a decoder; the writer needs a final encode that may optimise and embed metadata.
Adding a format means adding one module that defines a Codec subclass and registers it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np

from vpjnd_cli.imageio.metadata import Metadata

Chroma = Literal["420", "444"]


@dataclass(frozen=True, order=True)
class Level:
    """One rung of a codec's ladder: the codec's own setting plus the chroma sampling.

    ``setting`` is the quality factor (JPEG, WebP, AVIF) or the quantiser (BPG, HEIC QP);
    the ladder's order, not the sign of ``setting``, says which rung is more distorted.
    """

    setting: int
    chroma: Chroma = "420"

    @property
    def label(self) -> str:
        return f"{self.setting}" if self.chroma == "420" else f"{self.setting}/{self.chroma}"


@dataclass(frozen=True)
class CodecOptions:
    """Options shared by all codecs; each codec reads the fields that concern it.

    chroma: "420", "444", or "both" (both samplings as interleaved ladder rungs, where supported).
    effort: codec speed/effort knob in the codec's own units (None = the codec's default).
    threads: encoder threads, pinned so the same input gives the same bytes (the built-in BPG
        encoder's bytes do not depend on its threads: it takes this process's share of the CPUs).
    bpg_backend: "auto" (external bpgenc/bpgdec when found, else built-in), "external", "builtin".
    """

    chroma: Literal["420", "444", "both"] = "420"
    effort: int | None = None
    threads: int = 1
    bpg_backend: Literal["auto", "external", "builtin"] = "auto"
    bpgenc: str | None = None
    bpgdec: str | None = None


class Codec(ABC):
    """An output format: ordered levels, encode, decode, final encode with metadata."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]  # lower case, with the dot; the first is the default
    setting_name: ClassVar[str] = "level"  # what users call a level's setting: "QF", "QP", "quality"
    keeps_alpha: ClassVar[bool] = False  # encodes HxWx4 (RGBA) pictures, and decodes them so
    embeds_icc: ClassVar[bool] = True  # embeds the ICC profile given; False: its files are sRGB
    samplings: ClassVar[tuple[Chroma, ...]] = ("420",)  # the chroma samplings its levels may have

    def __init__(self, options: CodecOptions | None = None) -> None:
        self.options = options or CodecOptions()

    @abstractmethod
    def levels(self) -> list[Level]:
        """The ladder, ordered from the least to the most distorted level."""

    def finer_rungs(self, ladder: list[Level]) -> list[Level]:
        """Rungs with full-resolution chroma, searched when no rung of a 4:2:0 ``ladder`` passes
        (the paper criterion's default chroma): saturated graphics and coloured text fail at every
        4:2:0 level, chroma subsampling alone moving their edges, and a finer-chroma file at a
        lower quality both passes and is smaller than the least distorted 4:2:0 one. Here the
        4:4:4 twin of each rung; none when the codec has no 4:4:4 or the ladder is not 4:2:0."""
        if "444" not in self.samplings or any(level.chroma != "420" for level in ladder):
            return []
        return [Level(level.setting, "444") for level in ladder]

    @abstractmethod
    def encode(self, rgb: np.ndarray, level: Level) -> bytes:
        """Encode an HxWx3 uint8 RGB picture fast (used for every search candidate); codecs that
        keep alpha also take HxWx4 RGBA (straight alpha)."""

    @abstractmethod
    def decode(self, data: bytes) -> np.ndarray:
        """Decode bytes written by this codec to an HxWx3 uint8 RGB array, HxWx4 RGBA when the
        file holds alpha."""

    @abstractmethod
    def encode_final(self, rgb: np.ndarray, level: Level, metadata: Metadata | None = None) -> bytes:
        """The file that is written: same level, optionally optimised, with metadata embedded.

        Codecs whose final encode may change decoded pixels must say so in their docstring;
        the caller then judges the final file again.
        """
