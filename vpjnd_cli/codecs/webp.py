"""Lossy WebP through Pillow's libwebp: quality 100..0, 4:2:0 chroma only.

libwebp's lossy mode always stores chroma at 4:2:0, so chroma 444 or both is a UsageError rather
than a silent 4:2:0. Pillow 13 does not expose libwebp's ``use_sharp_yuv`` (sharper RGB->YUV
downsampling) and its ``exact`` option only keeps RGB under fully transparent pixels, which opaque
pictures do not have; neither is used.

``effort`` is libwebp's ``method`` 0..6, default 4: on a 1080p photo (quality 90/60) method 4
takes 140/115 ms; methods 0 and 2 are 3x and 2x faster for 8-24 % and 1-7 % more bytes, method 3
is the same as 4, methods 5-6 are slower for at most 1 % fewer bytes (docs/codecs.md).
libwebp is single-threaded here, so bytes do not depend on ``threads``.

Alpha is kept, stored losslessly (``alpha_quality`` 100) at every quality: the decoded plane is
the source's exactly, so the judge's alpha check costs one comparison. libwebp may change the
colour under fully transparent pixels (``exact`` is off), which no viewer sees.

Ladder: quality 100..0. Size is not strictly monotone: on smooth pictures a lower quality can be
a few bytes larger (a 1080p sky photo: 11 rises of 4-56 bytes, at most 0.44 %; docs/codecs.md).
"""

from __future__ import annotations

from typing import ClassVar

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.pillow_io import PillowCodec

DEFAULT_METHOD = 4


class WebpCodec(PillowCodec):
    """Lossy WebP; the search and the final file use the same settings, so pixels match."""

    name = "webp"
    extensions = (".webp",)
    setting_name = "quality"
    pillow_format = "WEBP"
    settings: ClassVar[range] = range(100, -1, -1)
    samplings = ("420",)
    sampling_note = " (lossy WebP always stores chroma at 4:2:0)"
    keeps_alpha = True

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self._method = self._effort(DEFAULT_METHOD, range(7), "libwebp method")

    def _params(self, level: Level) -> dict[str, object]:
        return {"quality": level.setting, "method": self._method, "alpha_quality": 100}
