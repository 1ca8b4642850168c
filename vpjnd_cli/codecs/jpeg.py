"""JPEG through libjpeg-turbo: quality factors 100..1, chroma 4:2:0 (default) or 4:4:4.

Search encodes are baseline, no Huffman optimisation, written by OpenCV: its libjpeg-turbo output
is byte-identical to Pillow's and about 15 % faster (1080p QF 75 4:2:0: 4.5 ms against 5.2 ms).
The final file is written by Pillow (which embeds EXIF, XMP and ICC as APP1/APP1/APP2 markers)
and then recoded progressive with optimal Huffman tables by mozjpeg's lossless optimiser, which
keeps every DCT coefficient: decoded pixels are identical to the search candidate's. mozjpeg
recomputes the Huffman tables itself, so libjpeg-turbo's ``optimize=True`` first would be wasted
time (measured: byte-identical mozjpeg output either way); it is told to copy all APPn markers,
which it otherwise drops.

A grey picture (R = G = B everywhere) is stored as a one-channel JPEG, which ``decode`` expands
to R = G = B again: same pixels as a YCbCr file here, 4-12 % smaller than 4:2:0 and 15-43 % smaller
than 4:4:4 (1080p photo, QF 90..50). Its 4:2:0 and 4:4:4 rungs are then the same file.

Ladder (least to most distorted): QF 100, 99, ..., 1; with chroma "both", at each QF the 4:4:4
rung before the 4:2:0 one. Size along one sampling's ladder is nearly monotone: of 6 photos at
1080p, 4:2:0 never grew and 4:4:4 grew once by 9 bytes (QF 40 -> 39); below QF 5 a 512 px photo
grew by 17 bytes (QF 4 -> 3). With "both", every 4:4:4 rung is larger than the 4:2:0 rung before
it (0.7-68 % on a 1080p photo). Measurements and commands: docs/codecs.md.
"""

from __future__ import annotations

from typing import ClassVar

import cv2
import mozjpeg_lossless_optimization as mozjpeg
import numpy as np

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.codecs.ladder import require_pixels
from vpjnd_cli.codecs.pillow_io import PillowCodec
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata

_PILLOW_SUBSAMPLING = {"420": 2, "444": 0}
_CV2_SAMPLING = {"420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420, "444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444}
# EXIF and XMP must each fit one APP1 marker (Pillow's limits, prefixes included); ICC is chunked.
_APP1_LIMITS = {"EXIF": 65533, "XMP": 65533 - 29}


def is_grey(rgb: np.ndarray) -> bool:
    """True when R = G = B at every pixel; a sparse sample first rejects colour pictures cheaply."""
    for view in (rgb[::16, ::16], rgb):
        if not ((view[..., 0] == view[..., 1]) & (view[..., 1] == view[..., 2])).all():
            return False
    return True


def _check_app1_sizes(metadata: Metadata) -> None:
    """Refuse, with a clear message, EXIF or XMP that Pillow could not fit in one APP1 marker."""
    for kind, block in (("EXIF", metadata.exif_with_prefix()), ("XMP", metadata.xmp)):
        if block is not None and len(block) > _APP1_LIMITS[kind]:
            raise UsageError(
                f"the {kind} block ({len(block)} bytes) does not fit in a JPEG marker "
                f"({_APP1_LIMITS[kind]} bytes at most): strip it or choose another format"
            )


class JpegCodec(PillowCodec):
    """Baseline JPEG for the search, progressive mozjpeg-optimised JPEG for the written file."""

    name = "jpeg"
    extensions = (".jpg", ".jpeg", ".jpe", ".jfif")
    setting_name = "QF"
    pillow_format = "JPEG"
    settings: ClassVar[range] = range(100, 0, -1)

    def encode(self, rgb: np.ndarray, level: Level) -> bytes:
        level = self._checked(level)
        pixels = self._pixels(require_pixels(rgb))
        if pixels.ndim == 3:
            pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
        flags = [cv2.IMWRITE_JPEG_QUALITY, level.setting, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, _CV2_SAMPLING[level.chroma]]
        ok, buffer = cv2.imencode(".jpg", pixels, flags)
        if not ok:
            raise RuntimeError("OpenCV could not encode the picture as JPEG")
        return buffer.tobytes()

    def encode_final(self, rgb: np.ndarray, level: Level, metadata: Metadata | None = None) -> bytes:
        """Same pixels as ``encode``; progressive, smaller, with metadata."""
        if metadata is not None:
            _check_app1_sizes(metadata)
        return mozjpeg.optimize(super().encode_final(rgb, level, metadata), mozjpeg.COPY_MARKERS.ALL)

    def _pixels(self, rgb: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(rgb[..., 0]) if is_grey(rgb) else rgb

    def _params(self, level: Level) -> dict[str, object]:
        return {"quality": level.setting, "subsampling": _PILLOW_SUBSAMPLING[level.chroma]}
