"""WebP through Pillow's libwebp: lossy quality 100..0 at 4:2:0, and one lossless rung.

libwebp's lossy mode always stores chroma at 4:2:0. Its lossless mode stores every RGB sample as
it is, full-resolution colour, so it is WebP's one 4:4:4 rung: ``LOSSLESS``, shown as quality
100/444. Chroma 444 is then lossless WebP alone; both puts it before the lossy rungs; and the
paper criterion's fallback (Codec.finer_rungs), when no lossy level passes, tries it. That is
what saturated graphics and coloured text need: every lossy level failed on a generated graphic
(butteraugli 3.05 at quality 100), whose lossless file, 12.8 kB at 960x540, is also smaller than
the lossy quality 100's 22.8 kB. Lossless is written at libwebp's quality (effort) 75: 0.04 s on
that graphic and 0.32 s on a dark 960x540 photo, where quality 100 takes 0.07 and 1.76 s for
files 1 % and 0.6 % smaller (docs/codecs.md). It keeps ``exact`` on, so that even the colour
under fully transparent pixels stays: lossless means the same samples.

Pillow 13 does not expose libwebp's ``use_sharp_yuv`` (sharper RGB->YUV downsampling). ``exact``
only keeps RGB under fully transparent pixels, which opaque pictures do not have, so the lossy
rungs leave it off.

``effort`` is libwebp's ``method`` 0..6, default 4: on a 1080p photo (quality 90/60) method 4
takes 140/115 ms; methods 0 and 2 are 3x and 2x faster for 8-24 % and 1-7 % more bytes, method 3
is the same as 4, methods 5-6 are slower for at most 1 % fewer bytes (docs/codecs.md).
libwebp is single-threaded here, so bytes do not depend on ``threads``.

Alpha is kept, stored losslessly (``alpha_quality`` 100) at every quality: the decoded plane is
the source's exactly, so the judge's alpha check costs one comparison. libwebp may change the
colour under fully transparent pixels at the lossy rungs, which no viewer sees.

Ladder: quality 100..0 (4:2:0). Size is not strictly monotone: on smooth pictures a lower quality can be
a few bytes larger (a 1080p sky photo: 11 rises of 4-56 bytes, at most 0.44 %; docs/codecs.md).
"""

from __future__ import annotations

from typing import ClassVar

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.ladder import SAMPLINGS
from vpjnd_cli.codecs.pillow_io import PillowCodec
from vpjnd_cli.errors import UsageError

DEFAULT_METHOD = 4
LOSSLESS = Level(100, "444")
LOSSLESS_EFFORT = 75  # libwebp's lossless quality: effort, not fidelity (module docstring)


class WebpCodec(PillowCodec):
    """WebP; the search and the final file use the same settings, so pixels match."""

    name = "webp"
    extensions = (".webp",)
    setting_name = "quality"
    pillow_format = "WEBP"
    settings: ClassVar[range] = range(100, -1, -1)
    samplings = ("420", "444")
    keeps_alpha = True

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self._method = self._effort(DEFAULT_METHOD, range(7), "libwebp method")

    def levels(self) -> list[Level]:
        wanted = SAMPLINGS[self.options.chroma]
        lossy = [Level(setting) for setting in self.settings] if "420" in wanted else []
        return ([LOSSLESS] if "444" in wanted else []) + lossy

    def finer_rungs(self, ladder: list[Level]) -> list[Level]:
        """The lossless rung, for a lossy ladder that reaches quality 100 (a user's lower
        --max-level keeps the search below it)."""
        return [LOSSLESS] if ladder and ladder[0] == Level(100) else []

    def _checked(self, level: Level) -> Level:
        if level.chroma == "444" and level != LOSSLESS:
            raise UsageError(f"webp has no level {level.label}: its one 4:4:4 rung is lossless, {LOSSLESS.label}")
        return super()._checked(level)

    def _params(self, level: Level) -> dict[str, object]:
        if level == LOSSLESS:
            return {"lossless": True, "quality": LOSSLESS_EFFORT, "method": self._method, "exact": True}
        return {"quality": level.setting, "method": self._method, "alpha_quality": 100}
