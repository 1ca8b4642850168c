"""HEIC through pillow-heif (libheif + x265, libde265 decoder): fixed x265 QP 0..51, 4:2:0 or 4:4:4.

Each level is one QP (``x265:qp``, which switches x265 to constant QP and overrides libheif's
``quality``/CRF mapping; measured: the same bytes whatever ``quality`` says).

``effort`` indexes the x265 presets (0 ultrafast .. 9 placebo), default 0. For one intra picture
only ultrafast and slow are worth having (1080p photo, 1 thread, QP 22/32: ultrafast 200/160 ms;
superfast..medium 3.5x slower for under 1 % fewer bytes; slow 6x slower, 11-14 % fewer bytes at
0.2 dB lower PSNR; veryslow about the same as slow; docs/codecs.md). The search encodes dozens of candidates,
so speed wins; effort 6 buys size. The final file uses the same preset, so its pixels are the
judged ones.

Determinism: x265 runs with ``frame-threads=1`` and a thread pool of ``options.threads`` workers
(``pools``). With a pool, wavefront parallel processing is on and the bytes are the same for any
pool size and process (measured for 1 and 2 workers).

Alpha is kept as libheif's auxiliary alpha picture, coded by x265 with libheif's ``quality``
(CRF = (100 - quality) / 2; ``x265:qp`` does not reach it). Its CRF is set to the level's QP, so
that alpha degrades along the ladder with the colour; it is lossy at every level (docs/codecs.md,
"Alpha"), and the judge judges the alpha plane too.

Ladder: QP 0..51, with "both" the 4:4:4 rung first at each QP. Size was monotone on five 1080p
photos; on a 256x256 synthetic picture 4:4:4 QP 50 -> 51 grew by 2 bytes (docs/codecs.md).
"""

from __future__ import annotations

import io
from typing import ClassVar

import numpy as np
import pillow_heif

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.ladder import LadderCodec
from vpjnd_cli.codecs.pillow_io import metadata_params
from vpjnd_cli.imageio.metadata import Metadata

X265_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo",
)
DEFAULT_EFFORT = 0


class HeicCodec(LadderCodec):
    """HEVC still pictures in a HEIF container, full-range BT.601 YCbCr with an sRGB nclx box."""

    name = "heic"
    extensions = (".heic", ".heif")
    setting_name = "QP"
    settings: ClassVar[range] = range(0, 52)
    keeps_alpha = True

    def __init__(self, options: CodecOptions | None = None) -> None:
        super().__init__(options)
        self._preset = X265_PRESETS[self._effort(DEFAULT_EFFORT, range(len(X265_PRESETS)), "x265 preset index")]

    def decode(self, data: bytes) -> np.ndarray:
        return np.asarray(pillow_heif.open_heif(data, convert_hdr_to_8bit=True))

    def _write(self, rgb: np.ndarray, level: Level, metadata: Metadata | None) -> bytes:
        height, width, channels = rgb.shape
        mode = "RGBA" if channels == 4 else "RGB"
        pixels = memoryview(rgb).cast("B")  # type: ignore[arg-type]  # an ndarray is a buffer
        heif = pillow_heif.from_bytes(mode, (width, height), pixels)
        alpha_quality = {"quality": max(0, 100 - 2 * level.setting)} if channels == 4 else {}
        out = io.BytesIO()
        heif.save(
            out,
            chroma=int(level.chroma),
            **alpha_quality,
            enc_params={
                "preset": self._preset,
                "x265:qp": level.setting,
                "x265:pools": self.options.threads,
                "x265:frame-threads": 1,
            },
            **metadata_params(metadata),
        )
        return out.getvalue()
