"""Metadata carried from an input picture to the written file."""

from __future__ import annotations

from dataclasses import dataclass, replace

EXIF_PREFIX = b"Exif\x00\x00"
METADATA_KINDS = ("exif", "icc", "xmp")


@dataclass(frozen=True)
class Metadata:
    """What a writer may re-embed.

    exif: the EXIF block from the TIFF header onwards (no ``Exif\\0\\0`` prefix), with the
          orientation tag reset to 1 because the loader already applied it to the pixels.
    icc:  the source's own ICC profile, untouched (the loaded pixels are sRGB; a writer that
          embeds it must convert back, a writer that keeps sRGB pixels should not embed it).
    xmp:  the raw XMP packet (UTF-8 bytes), with any tiff:Orientation reset to 1.
    """

    exif: bytes | None = None
    icc: bytes | None = None
    xmp: bytes | None = None

    def keep_only(self, kinds: set[str] | frozenset[str]) -> Metadata:
        """A copy with every kind not in ``kinds`` dropped (``--strip`` is the empty set)."""
        unknown = set(kinds) - set(METADATA_KINDS)
        if unknown:
            raise ValueError(f"unknown metadata kind(s): {', '.join(sorted(unknown))}")
        return replace(self, **{k: None for k in METADATA_KINDS if k not in kinds})

    def exif_with_prefix(self) -> bytes | None:
        """EXIF as JPEG/WebP/PNG writers expect it (``Exif\\0\\0`` + TIFF data)."""
        return None if self.exif is None else EXIF_PREFIX + self.exif

    @property
    def empty(self) -> bool:
        return self.exif is None and self.icc is None and self.xmp is None
