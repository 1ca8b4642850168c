"""JPEG XL through pillow-jxl-plugin (libjxl): a ladder of butteraugli distances, 4:4:4 only.

Levels are distances in hundredths, 11 (0.11) to 1586 (15.86), each about 10 % above the one
before: ``cjxl -d 1`` is level 100. libjxl codes colour in XYB at full resolution, so there is
no chroma subsampling and every level is 4:4:4, whatever the chroma option says. The binding
takes libjxl's quality, a float that libjxl maps to a distance (quality 90 is distance 1); the
encoder is given the quality whose distance is the level's.

``effort`` is libjxl's effort 1..9, default 3. On a 1080p photo (distance 1 and 3, one thread)
effort 3 takes about 100 ms, efforts 5-7 4.5-10x as long, for files from 8 % larger to 6 %
smaller at 0.1-0.4 dB higher PSNR (docs/codecs.md). The search encodes dozens of candidates, so
speed wins; effort 7 is cjxl's default. The final file uses the same effort, so its pixels are
the judged ones.

Determinism: the encoder gets ``options.threads`` threads; its bytes are the same for any
thread count and in any process.

Alpha is kept. libjxl codes it losslessly up to distance 9.85 (level 985) and lossily from
10.83 on (measured on tests/pictures.py's transparent picture), so the judge checks it too.

Metadata: EXIF and XMP go in the container's Exif and xml boxes, uncompressed (so vpjnd's XMP
marker stays readable). The binding cannot embed an ICC profile: libjxl tags the file sRGB, so
the pixels handed to this codec must be sRGB (``embeds_icc``).
"""

from __future__ import annotations

import math
from typing import ClassVar

import pillow_jxl  # noqa: F401  (registers the JXL plugin with Pillow)

from vpjnd_cli.codecs.base import Chroma, CodecOptions, Level
from vpjnd_cli.codecs.pillow_io import PillowCodec

DEFAULT_EFFORT = 3
# Hundredths, 10 % apart around distance 1: 11, 12, 14, 15, ..., 91, 100, 110, ..., 1586. One step
# further down, 0.10 is quality 100, which libjxl reads as lossless.
DISTANCES = tuple(round(100 * 1.1**k) for k in range(-23, 30))


def quality_for(distance: float) -> float:
    """libjxl's quality whose distance is ``distance``: the inverse of its mapping, linear down
    to distance 6.4 (quality 30), quadratic beyond."""
    if distance <= 6.4:
        return 100 - (distance - 0.1) / 0.09
    a, b = 53 / 3000, 23 / 20  # distance = a q^2 - b q + 25 for quality q < 30
    return (b - math.sqrt(b * b - 4 * a * (25 - distance))) / (2 * a)


class JxlCodec(PillowCodec):
    """JPEG XL stills, lossy (VarDCT), full-resolution chroma."""

    name = "jxl"
    extensions = (".jxl",)
    setting_name = "distance x100"
    pillow_format = "JXL"
    settings: ClassVar[tuple[int, ...]] = DISTANCES  # type: ignore[assignment]
    samplings: ClassVar[tuple[Chroma, ...]] = ("420", "444")  # accepted; every level is 4:4:4
    keeps_alpha = True
    embeds_icc = False

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self._effort_level = self._effort(DEFAULT_EFFORT, range(1, 10), "libjxl effort")

    def levels(self) -> list[Level]:
        return [Level(setting, "444") for setting in self.settings]

    def _params(self, level: Level) -> dict[str, object]:
        return {
            "quality": quality_for(level.setting / 100),
            "effort": self._effort_level,
            "num_threads": self.options.threads,
        }
