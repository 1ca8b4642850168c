"""The BPG file container: ue7 numbers, the fixed header, extension records, mux and demux.

Layout (BPG specification 0.9.5): magic, two bytes of bit fields, ue7 width, height and
picture_data_length, optional extension records, then the hevc_header(s) and hevc_data. The
HEVC payload is opaque here; hevc.py interprets it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum

from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio.metadata import Metadata

MAGIC = b"BPG\xfb"
_UE7_MAX = 2**32 - 1


class PixelFormat(IntEnum):
    GRAY = 0
    YUV420 = 1  # chroma sited like JPEG (centred)
    YUV422 = 2
    YUV444 = 3
    YUV420_MPEG2 = 4  # chroma co-sited horizontally with even luma samples
    YUV422_MPEG2 = 5

    @property
    def chroma_format_idc(self) -> int:
        return (0, 1, 2, 3, 1, 2)[self]


class ColorSpace(IntEnum):
    YCBCR = 0  # BT.601
    RGB = 1  # planes G, B, R
    YCGCO = 2
    YCBCR_BT709 = 3
    YCBCR_BT2020 = 4


class ExtensionTag(IntEnum):
    EXIF = 1
    ICC = 2
    XMP = 3
    THUMBNAIL = 4
    ANIMATION = 5


_METADATA_TAGS = {"exif": ExtensionTag.EXIF, "icc": ExtensionTag.ICC, "xmp": ExtensionTag.XMP}


def write_ue7(value: int) -> bytes:
    """Big-endian base 128, the top bit of each byte but the last set; the shortest form."""
    if not 0 <= value <= _UE7_MAX:
        raise ValueError(f"ue7 value out of range: {value}")
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def read_ue7(data: bytes, pos: int, what: str = "number") -> tuple[int, int]:
    """(value, position after it); rejects truncation, non-shortest forms and > 32 bits."""
    value = 0
    for i in range(5):
        if pos + i >= len(data):
            raise InputError(f"truncated BPG file (in the {what})")
        byte = data[pos + i]
        if i == 0 and byte == 0x80:
            raise InputError(f"invalid BPG file: {what} is not in the shortest ue7 form")
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            if value > _UE7_MAX:
                break
            return value, pos + i + 1
    raise InputError(f"invalid BPG file: {what} exceeds 32 bits")


@dataclass(frozen=True)
class BpgHeader:
    """The fixed part of a BPG file: how to interpret the decoded planes."""

    width: int
    height: int
    pixel_format: PixelFormat = PixelFormat.YUV420
    bit_depth: int = 8
    color_space: ColorSpace = ColorSpace.YCBCR
    limited_range: bool = False
    alpha1: bool = False
    alpha2: bool = False
    animation: bool = False

    @property
    def has_alpha_plane(self) -> bool:
        """Whether a second (monochrome, nuh_layer_id 1) picture follows the colour one."""
        return self.alpha1 or self.alpha2

    @property
    def premultiplied(self) -> bool:
        return self.alpha1 and self.alpha2

    @property
    def cmyk(self) -> bool:
        """alpha2 without alpha1: the second plane is a fourth colour (K), not alpha."""
        return self.alpha2 and not self.alpha1


@dataclass(frozen=True)
class BpgFile:
    """A demuxed BPG file; hevc headers are the payloads without their ue7 length."""

    header: BpgHeader
    hevc_header: bytes
    hevc_data: bytes
    alpha_hevc_header: bytes | None = None
    extensions: tuple[tuple[int, bytes], ...] = ()

    @property
    def metadata(self) -> Metadata:
        """EXIF, ICC and XMP records (the first of each tag); other records are not metadata."""
        found: dict[int, bytes] = {}
        for tag, payload in self.extensions:
            found.setdefault(tag, payload)
        return Metadata(**{kind: found.get(tag) for kind, tag in _METADATA_TAGS.items()})

    def with_metadata(self, metadata: Metadata | None) -> BpgFile:
        """The same pictures with the EXIF/ICC/XMP records replaced by ``metadata``'s."""
        others = tuple(rec for rec in self.extensions if rec[0] not in _METADATA_TAGS.values())
        return replace(self, extensions=metadata_records(metadata) + others)


def metadata_records(metadata: Metadata | None) -> tuple[tuple[int, bytes], ...]:
    """Extension records (tag, payload) for the metadata present, in tag order."""
    if metadata is None:
        return ()
    pairs = ((tag, getattr(metadata, kind)) for kind, tag in _METADATA_TAGS.items())
    return tuple((int(tag), payload) for tag, payload in pairs if payload is not None)


def mux(bpg: BpgFile) -> bytes:
    """Serialise; picture_data_length is written (not 0) so that truncation is detectable."""
    h = bpg.header
    if h.width < 1 or h.height < 1:
        raise ValueError("a BPG picture needs a non-zero size")
    if h.has_alpha_plane != (bpg.alpha_hevc_header is not None):
        raise ValueError("alpha flags and the alpha hevc_header disagree")
    byte4 = (h.pixel_format << 5) | (h.alpha1 << 4) | (h.bit_depth - 8)
    byte5 = (
        (h.color_space << 4) | (bool(bpg.extensions) << 3) | (h.alpha2 << 2) | (h.limited_range << 1) | h.animation
    )
    headers = [bpg.hevc_header] if bpg.alpha_hevc_header is None else [bpg.alpha_hevc_header, bpg.hevc_header]
    picture = b"".join(write_ue7(len(x)) + x for x in headers) + bpg.hevc_data
    out = [MAGIC, bytes((byte4, byte5)), write_ue7(h.width), write_ue7(h.height), write_ue7(len(picture))]
    if bpg.extensions:
        records = b"".join(write_ue7(tag) + write_ue7(len(p)) + p for tag, p in bpg.extensions)
        out += [write_ue7(len(records)), records]
    return b"".join([*out, picture])


def demux(data: bytes) -> BpgFile:
    """Parse a BPG file; every defect raises InputError with a one-line cause."""
    if len(data) == 0:
        raise InputError("empty file")
    if data[:4] != MAGIC[: len(data)]:
        raise InputError("not a BPG file (bad magic number)")
    if len(data) < 6:
        raise InputError("truncated BPG file (in the header)")
    byte4, byte5 = data[4], data[5]
    width, pos = read_ue7(data, 6, "picture width")
    height, pos = read_ue7(data, pos, "picture height")
    if width == 0 or height == 0:
        raise InputError(f"invalid BPG file: picture size {width}x{height}")
    header = _parse_fixed_header(byte4, byte5, width, height)
    length, pos = read_ue7(data, pos, "picture data length")
    extensions: tuple[tuple[int, bytes], ...] = ()
    if byte5 & 0x08:
        ext_length, pos = read_ue7(data, pos, "extension data length")
        if pos + ext_length > len(data):
            raise InputError("truncated BPG file (in the extension data)")
        extensions = _parse_extensions(data[pos : pos + ext_length])
        pos += ext_length
    if length:
        if pos + length > len(data):
            raise InputError("truncated BPG file (picture data shorter than its declared length)")
        data = data[: pos + length]
    alpha_hevc_header = None
    if header.has_alpha_plane:
        alpha_hevc_header, pos = _read_block(data, pos, "alpha hevc_header")
    hevc_header, pos = _read_block(data, pos, "hevc_header")
    if pos >= len(data):
        raise InputError("truncated BPG file (no HEVC data)")
    return BpgFile(header, hevc_header, data[pos:], alpha_hevc_header, extensions)


def _parse_fixed_header(byte4: int, byte5: int, width: int, height: int) -> BpgHeader:
    if byte4 >> 5 >= len(PixelFormat):  # values are 0..n-1
        raise InputError(f"unsupported BPG file: pixel format {byte4 >> 5}")
    if byte5 >> 4 >= len(ColorSpace):
        raise InputError(f"unsupported BPG file: colour space {byte5 >> 4}")
    pixel_format, color_space = PixelFormat(byte4 >> 5), ColorSpace(byte5 >> 4)
    bit_depth = (byte4 & 0x0F) + 8
    if bit_depth > 14:
        raise InputError(f"invalid BPG file: bit depth {bit_depth}")
    return BpgHeader(
        width=width,
        height=height,
        pixel_format=pixel_format,
        bit_depth=bit_depth,
        color_space=color_space,
        limited_range=bool(byte5 & 0x02),
        alpha1=bool(byte4 & 0x10),
        alpha2=bool(byte5 & 0x04),
        animation=bool(byte5 & 0x01),
    )


def _parse_extensions(block: bytes) -> tuple[tuple[int, bytes], ...]:
    records = []
    pos = 0
    while pos < len(block):
        tag, pos = read_ue7(block, pos, "extension tag")
        length, pos = read_ue7(block, pos, "extension length")
        if pos + length > len(block):
            raise InputError("invalid BPG file: an extension record overruns the extension data")
        records.append((tag, block[pos : pos + length]))
        pos += length
    return tuple(records)


def _read_block(data: bytes, pos: int, what: str) -> tuple[bytes, int]:
    length, pos = read_ue7(data, pos, f"{what} length")
    if length == 0 or pos + length > len(data):
        raise InputError(f"truncated BPG file (in the {what})")
    return data[pos : pos + length], pos + length
