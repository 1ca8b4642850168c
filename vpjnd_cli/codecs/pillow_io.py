"""Codecs written and read through Pillow: the in-memory save/open plumbing and metadata keywords."""

from __future__ import annotations

import io
from abc import abstractmethod
from typing import ClassVar

import numpy as np
from PIL import Image

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.codecs.ladder import LadderCodec
from vpjnd_cli.imageio.metadata import Metadata


def metadata_params(metadata: Metadata | None) -> dict[str, bytes]:
    """Pillow's (and pillow-heif's) save keywords for the metadata that is present.

    EXIF goes with its ``Exif\\0\\0`` prefix: JPEG needs it, the WebP writer strips it, and the
    AVIF and HEIF writers store it behind a TIFF-header offset of 6, as phones do.
    """
    if metadata is None:
        return {}
    params = {"exif": metadata.exif_with_prefix(), "icc_profile": metadata.icc, "xmp": metadata.xmp}
    return {key: value for key, value in params.items() if value is not None}


def save(pixels: np.ndarray, fmt: str, **params: object) -> bytes:
    """Encode an HxWx3 (RGB), HxWx4 (RGBA) or HxW (grey) uint8 array with Pillow into bytes."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format=fmt, **params)
    return out.getvalue()


def load(data: bytes, fmt: str) -> np.ndarray:
    """Decode bytes of a known format with Pillow to an HxWx3 uint8 RGB array (grey is expanded),
    or HxWx4 RGBA when the file holds alpha."""
    with Image.open(io.BytesIO(data), formats=[fmt]) as image:
        mode = "RGBA" if image.has_transparency_data else "RGB"
        return np.asarray(image if image.mode == mode else image.convert(mode))


class PillowCodec(LadderCodec):
    """A ladder codec whose bytes are written and read by one Pillow plugin."""

    pillow_format: ClassVar[str]

    def decode(self, data: bytes) -> np.ndarray:
        return load(data, self.pillow_format)

    def _write(self, rgb: np.ndarray, level: Level, metadata: Metadata | None) -> bytes:
        return save(self._pixels(rgb), self.pillow_format, **self._params(level), **metadata_params(metadata))

    def _pixels(self, rgb: np.ndarray) -> np.ndarray:
        """The array handed to the encoder (a codec may store a grey picture as one channel)."""
        return rgb

    @abstractmethod
    def _params(self, level: Level) -> dict[str, object]:
        """Pillow save keywords for this level (quality, sampling, speed knobs)."""
