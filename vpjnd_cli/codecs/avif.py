"""AVIF through Pillow's libavif (aom encoder, dav1d decoder): quality 100..0, 4:2:0 or 4:4:4.

``effort`` is libavif's speed 0..10, default 8. On a 1080p photo (1 thread, quality 90/60/40)
speed 8 takes 250/160/130 ms, 3-3.6x less than speed 6 (Pillow's default), for 9-22 % more bytes
at 0.2-0.4 dB lower PSNR; speed 7 is as slow as 6 and no smaller than 8; speed 9 halves the time
again but costs up to 15 % more bytes on smooth pictures (docs/codecs.md). The search encodes
dozens of candidates, so speed wins; effort 6 buys size. The final file uses the same speed, so
its pixels are the judged ones.

Determinism: aom's output depends on the thread count (speeds <= 8), so ``max_threads`` is pinned
to ``options.threads``: the same picture, level and threads give the same bytes in any process.

Alpha is kept as libavif's auxiliary alpha picture, which Pillow encodes at the colour's
quality: exact at quality 100 only, lossy below (docs/codecs.md, "Alpha"), so the judge judges
the alpha plane too.

Ladder: quality 100..0, with "both" the 4:4:4 rung first at each quality. Size was monotone on
five 1080p photos; on a synthetic picture quality 8 -> 7 grew by 3 bytes (docs/codecs.md).
"""

from __future__ import annotations

from typing import ClassVar

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.pillow_io import PillowCodec

DEFAULT_SPEED = 8
_SUBSAMPLING = {"420": "4:2:0", "444": "4:4:4"}


class AvifCodec(PillowCodec):
    """AVIF still pictures, full-range BT.601 YUV as libavif writes by default."""

    name = "avif"
    extensions = (".avif",)
    setting_name = "quality"
    pillow_format = "AVIF"
    settings: ClassVar[range] = range(100, -1, -1)
    keeps_alpha = True

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self._speed = self._effort(DEFAULT_SPEED, range(11), "libavif speed")

    def _params(self, level: Level) -> dict[str, object]:
        return {
            "quality": level.setting,
            "subsampling": _SUBSAMPLING[level.chroma],
            "speed": self._speed,
            "max_threads": self.options.threads,
        }
