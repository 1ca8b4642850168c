"""Codecs whose ladder is one integer setting (quality or quantiser) times the chroma samplings.

JPEG, WebP, AVIF and HEIC differ only in the setting's range, the samplings they offer and how
they write bytes; the ladder, the option checks and the encode/encode_final split live here once.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np

from vpjnd_cli.codecs.base import Chroma, Codec, CodecOptions, Level
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata

# With chroma "both", each setting's 4:4:4 rung precedes its 4:2:0 rung: same quantiser, finer
# chroma, so less distorted, while luma distortion never goes back down along the ladder.
# (Sizes are then not monotone: each 4:4:4 rung is larger than the 4:2:0 rung before it.) The
# search reads each sampling's rungs apart (pipeline._search_each_sampling).
SAMPLINGS: dict[str, tuple[Chroma, ...]] = {"420": ("420",), "444": ("444",), "both": ("444", "420")}


def require_pixels(pixels: np.ndarray, alpha: bool = False) -> np.ndarray:
    """The picture as a C-contiguous HxWx3 (or, with ``alpha``, also HxWx4) uint8 array (the
    encoders' buffer interfaces need it)."""
    channels = (3, 4) if alpha else (3,)
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in channels:
        shape = " or ".join(f"HxWx{n}" for n in channels)
        raise ValueError(f"expected an {shape} uint8 picture, got {pixels.dtype} {pixels.shape}")
    return np.ascontiguousarray(pixels)


class LadderCodec(Codec):
    """A codec whose levels are ``settings`` (least to most distorted) for each chroma sampling."""

    settings: ClassVar[range]
    samplings: ClassVar[tuple[Chroma, ...]] = ("420", "444")

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        if self.options.threads < 1:
            raise UsageError(f"threads must be at least 1, got {self.options.threads}")
        wanted = SAMPLINGS.get(self.options.chroma)
        if wanted is None:
            raise UsageError(f"unknown chroma {self.options.chroma!r}; choose 420, 444 or both")
        if not set(wanted) <= set(self.samplings):
            raise UsageError(
                f"{self.name} cannot encode chroma {self.options.chroma}; "
                f"choose chroma {' or '.join(self.samplings)}"
            )

    def levels(self) -> list[Level]:
        return [Level(setting, chroma) for setting in self.settings for chroma in SAMPLINGS[self.options.chroma]]

    def encode(self, rgb: np.ndarray, level: Level) -> bytes:
        return self._write(require_pixels(rgb, self.keeps_alpha), self._checked(level), None)

    def encode_final(self, rgb: np.ndarray, level: Level, metadata: Metadata | None = None) -> bytes:
        return self._write(require_pixels(rgb, self.keeps_alpha), self._checked(level), metadata)

    @abstractmethod
    def _write(self, rgb: np.ndarray, level: Level, metadata: Metadata | None) -> bytes:
        """Encode a checked picture at a checked level, embedding ``metadata`` when given."""

    def _checked(self, level: Level) -> Level:
        if level.setting not in self.settings or level.chroma not in self.samplings:
            raise UsageError(f"{self.name} has no level {level.label}")
        return level

    def _effort(self, default: int, allowed: range, meaning: str) -> int:
        """``options.effort`` (or ``default``), checked against the codec's own range."""
        effort = default if self.options.effort is None else self.options.effort
        if effort not in allowed:
            raise UsageError(
                f"{self.name} effort must be {allowed.start}..{allowed.stop - 1} ({meaning}), got {effort}"
            )
        return effort
