"""Truncated files, and headers that claim more picture than the file holds: refused before decoding.

Decoders disagree on data that runs out. libjpeg (through Pillow), libwebp, libtiff and Pillow's
raw readers raise; Pillow's PNG and BMP RLE readers fill the missing rows with black, libavif
stretches the coded picture to the size its header claims, and FFmpeg's HEVC decoder (BPG)
decodes the bits it lacks as zeros. All of them first size their buffers by the header, so a
150-byte file claiming 144 megapixels cost gigabytes before anything failed. So, before any
pixel is decoded:

- the file's structure is walked: every chunk, segment, box or block must end inside the file,
  and the end marker (PNG's IEND, GIF's trailer, BMP RLE's end-of-bitmap code) must be there;
- the header's picture must fit what the file's data can code at the format's best possible
  compression: a PNG's image data must inflate to every row (``check_decoded`` finishes that
  check after decoding, where it costs nothing for most pictures), a Huffman JPEG
  spends at least one bit per 8x8 block of each component (two in sequential mode), LZW (GIF,
  TIFF) at most 4,096 values per 12-bit code, deflate 1,032 bytes per byte, HEVC (HEIC, BPG) at
  least one bit per coding unit of at most 64x64 pixels, lossy WebP (VP8) at least one bit per
  16x16 macroblock, and an AVIF item is no larger than its AV1 sequence header's largest frame;
- what costs nothing to declare, an animation's canvas beyond its frames (GIF, WebP) and the
  pixels BMP RLE skips, may be at most 16 times what the data codes, beyond a megapixel.

Each check raises InputError without a path (the loader adds it).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from PIL import Image

from vpjnd_cli.errors import InputError

if TYPE_CHECKING:
    from vpjnd_cli.codecs.bpg.bits import BitReader

DEFLATE_RATIO = 1032  # deflate's largest expansion: 258 bytes per 2-bit code
LZW_RATIO = 4096 * 8 / 12  # values per byte: a 12-bit code stands for at most 4,096 of them
PACKBITS_RATIO = 64  # a run of 128 bytes in 2
HEVC_PIXELS_PER_BYTE = 64 * 64 * 8  # an intra coding unit takes at least one bypass-coded bit
VP8_PIXELS_PER_BYTE = 16 * 16 * 8  # a key frame's macroblock modes take at least one bit
# A picture may be 16 times the pixels its data codes (the rest is background), or a megapixel.
BACKGROUND_FACTOR = 16
BACKGROUND_ALLOWANCE = 1_000_000
_TIFF_RATIOS = {1: 1, 32773: PACKBITS_RATIO, 5: LZW_RATIO, 8: DEFLATE_RATIO, 32946: DEFLATE_RATIO}
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def check_integrity(image: Image.Image, data: bytes) -> None:
    """Refuse ``data`` (opened by Pillow as ``image``, nothing decoded yet) if it is truncated or
    claims more pixels than it can hold; then decode and call ``check_decoded``."""
    check = _CHECKS.get(image.format or "")
    if check is not None:
        check(image, data)


def check_hevc_budget(width: int, height: int, coded_bytes: int, what: str) -> None:
    """HEVC intra pictures (HEIC, BPG): at most 64x64 pixels per bit of coded data."""
    _check_budget(width * height, HEVC_PIXELS_PER_BYTE * coded_bytes, what, f"{coded_bytes:,} bytes of HEVC data")


def _check_budget(pixels: int, possible: float, what: str, held: str) -> None:
    """Refuse a header claiming more ``pixels`` than ``held`` (described for the message) can code."""
    if pixels > possible:
        raise InputError(f"truncated or corrupt {what}: its header claims {pixels:,} pixels, more than "
                         f"{held} can code")


def _truncated(what: str, where: str) -> InputError:
    return InputError(f"truncated or corrupt {what} file ({where} runs past the end of the file)")


# PNG -------------------------------------------------------------------------------------------


def _png(image: Image.Image, data: bytes) -> None:
    """The chunks and deflate's bound before decoding; an interlaced picture's data counted in full
    here, a sequential one's only when its decoded last row looks padded (``check_decoded``)."""
    layout = _PngLayout(data)
    _check_budget(layout.width * layout.height, DEFLATE_RATIO * layout.compressed * layout.pixels_per_byte, "PNG",
                  f"{layout.compressed:,} bytes of image data")
    if layout.interlaced:
        layout.check_inflated()


class _PngLayout:
    """What a PNG's chunks say: its size, how many bytes its rows inflate to, its compressed data."""

    def __init__(self, data: bytes) -> None:
        header: bytes | memoryview = b""
        self.idat: list[memoryview] = []
        for kind, body in _png_chunks(data):
            if kind == b"IHDR":
                header = body
            elif kind == b"IDAT":
                self.idat.append(body)
        if len(header) < 13:
            raise InputError("corrupt PNG file (no image header)")
        self.width, self.height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header[:13])
        self.interlaced = bool(interlace)
        bits = depth * _PNG_CHANNELS.get(colour, 4)
        self.needed = 0
        for x0, y0, dx, dy in _ADAM7 if interlace else ((0, 0, 1, 1),):
            columns, rows = -(-(self.width - x0) // dx), -(-(self.height - y0) // dy)
            if columns > 0 and rows > 0:  # a pass without pixels has no rows (no filter bytes)
                self.needed += rows * (1 + -(-columns * bits // 8))
        self.compressed = sum(len(body) for body in self.idat)
        self.pixels_per_byte = self.width * self.height / max(self.needed, 1)

    def check_inflated(self) -> None:
        found = _inflated_size(self.idat, self.needed)
        if found < self.needed:
            raise InputError(f"truncated or corrupt PNG data (it inflates to {found:,} of the {self.needed:,} "
                             f"bytes a {self.width}x{self.height} picture needs)")


def check_decoded(image: Image.Image, data: bytes) -> None:
    """After Pillow has decoded a sequential PNG: Pillow leaves the rows a short zlib stream lacks at
    zero and decodes rows in order, so a last row of zero bytes (black, or padding) has its data counted.
    Photos skip the count, which costs as much as the decoding."""
    if image.format != "PNG":
        return
    width, height = image.size
    if not image.crop((0, height - 1, width, height)).tobytes().strip(b"\0"):
        _PngLayout(data).check_inflated()


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, memoryview]]:
    """(type, data) of each chunk up to IEND; a chunk cut short or a missing IEND is truncation."""
    view, pos = memoryview(data), 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        end = pos + 12 + length
        if end > len(data):
            raise _truncated("PNG", f"the {kind.decode('latin-1')!r} chunk at byte {pos:,}")
        if kind == b"IEND":
            return
        yield kind, view[pos + 8 : end - 4]
        pos = end
    raise InputError("truncated or corrupt PNG file (it ends before its IEND chunk)")


def _inflated_size(chunks: list[memoryview], wanted: int) -> int:
    """How many bytes the zlib stream in ``chunks`` inflates to, counted up to ``wanted``, 1 MB at a time."""
    stream, total = zlib.decompressobj(), 0
    try:
        for chunk in chunks:
            pending: bytes | memoryview = chunk
            while pending and total < wanted:
                total += len(stream.decompress(pending, min(1 << 20, wanted - total)))
                pending = stream.unconsumed_tail
    except zlib.error as error:
        raise InputError(f"truncated or corrupt PNG data ({error})") from None
    return total


# JPEG ------------------------------------------------------------------------------------------

_SOF_BITS_PER_BLOCK = {0xC0: 2, 0xC1: 2, 0xC2: 1}  # Huffman: sequential, extended, progressive


def _jpeg(image: Image.Image, data: bytes) -> None:
    """The frame header's blocks against the file's bits (truncation itself libjpeg reports)."""
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker, length = data[pos + 1], struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker == 0xFF:  # a fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the frame header was not found before it
            return
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            _jpeg_frame(data[pos + 4 : pos + 2 + length], _SOF_BITS_PER_BLOCK.get(marker, 0), len(data))
            return
        pos += 2 + length


def _jpeg_frame(frame: bytes, bits_per_block: int, file_bytes: int) -> None:
    if bits_per_block == 0 or len(frame) < 6:
        return  # arithmetic coding has no such floor
    height, width, count = struct.unpack(">HHB", frame[1:6])
    factors = [(frame[7 + 3 * i] >> 4, frame[7 + 3 * i] & 15) for i in range(count) if 8 + 3 * i <= len(frame)]
    if not factors or height == 0:
        return
    h_max, v_max = max(h for h, _ in factors) or 1, max(v for _, v in factors) or 1
    blocks = sum(-(-math.ceil(width * h / h_max) // 8) * -(-math.ceil(height * v / v_max) // 8) for h, v in factors)
    if blocks * bits_per_block > 8 * file_bytes:
        raise InputError(f"truncated or corrupt JPEG: its {width}x{height} header needs {blocks:,} blocks of at least "
                         f"{bits_per_block} bit(s), more than the {file_bytes:,} bytes of the file hold")


# GIF -------------------------------------------------------------------------------------------


def _gif(image: Image.Image, data: bytes) -> None:
    """Every block ends inside the file and the trailer is there; LZW budget per frame; the canvas."""
    pos = 13 + _colour_table_size(data[10])
    frames: list[int] = []
    while True:
        if pos >= len(data):
            raise InputError("truncated or corrupt GIF file (it ends before its trailer)")
        kind = data[pos]
        if kind == 0x3B:
            break
        if kind == 0x21:
            pos = _gif_sub_blocks(data, pos + 2)[0]
        elif kind == 0x2C:
            if pos + 11 > len(data):
                raise _truncated("GIF", f"the image descriptor at byte {pos:,}")
            width, height = struct.unpack("<HH", data[pos + 5 : pos + 9])
            pos, coded = _gif_sub_blocks(data, pos + 11 + _colour_table_size(data[pos + 9]))
            _check_budget(width * height, LZW_RATIO * coded, "GIF", f"the frame's {coded:,} bytes")
            frames.append(width * height)
        else:
            raise InputError(f"corrupt GIF file (unknown block 0x{kind:02x} at byte {pos:,})")
    _check_background(image.size, frames, "GIF")


def _colour_table_size(packed: int) -> int:
    return 3 << ((packed & 7) + 1) if packed & 0x80 else 0


def _gif_sub_blocks(data: bytes, pos: int) -> tuple[int, int]:
    """(position after the sub-blocks starting at ``pos``, their payload bytes)."""
    payload = 0
    while True:
        if pos >= len(data):
            raise _truncated("GIF", f"the data block at byte {pos:,}")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos, payload
        payload += size


def _check_background(size: tuple[int, int], coded: list[int], what: str) -> None:
    """Refuse a picture of more than a megapixel that is over 16 times the pixels its data codes."""
    canvas = size[0] * size[1]
    if coded and canvas > max(BACKGROUND_ALLOWANCE, BACKGROUND_FACTOR * sum(coded)):
        raise InputError(f"corrupt {what} file: its {size[0]}x{size[1]} picture is more than "
                         f"{BACKGROUND_FACTOR} times the {sum(coded):,} pixels its data codes")


# WebP ------------------------------------------------------------------------------------------


def _webp(image: Image.Image, data: bytes) -> None:
    """The RIFF chunks end inside the file; each lossy frame within VP8's budget; an animation's
    canvas covered by its frames."""
    riff_end = 8 + struct.unpack("<I", data[4:8])[0]
    if riff_end > len(data):
        raise _truncated("WebP", "the RIFF container")
    frames = []
    for kind, body, end in _riff_chunks(data, 12, riff_end):
        if kind == b"ANMF" and end - body >= 16:
            fields = data[body + 6 : body + 12]
            frames.append((int.from_bytes(fields[:3], "little") + 1) * (int.from_bytes(fields[3:], "little") + 1))
            for inner, frame_body, frame_end in _riff_chunks(data, body + 16, end):
                _check_vp8(inner, data[frame_body:frame_end])
        _check_vp8(kind, data[body:end])
    _check_background(image.size, frames, "WebP")


def _riff_chunks(data: bytes, pos: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(fourcc, start of data, end of data) of the RIFF chunks in data[pos:end]."""
    while pos + 8 <= end:
        kind, size = struct.unpack("<4sI", data[pos : pos + 8])
        if pos + 8 + size > end:
            raise _truncated("WebP", f"the {kind.decode('latin-1')!r} chunk at byte {pos:,}")
        yield kind, pos + 8, pos + 8 + size
        pos += 8 + size + (size & 1)


def _check_vp8(kind: bytes, frame: bytes) -> None:
    """A lossy (VP8 key) frame codes each 16x16 macroblock's prediction modes with fixed
    probabilities, at least one bit each (lossless VP8L has no such floor)."""
    if kind != b"VP8 " or len(frame) < 10:
        return
    width, height = (int.from_bytes(frame[i : i + 2], "little") & 0x3FFF for i in (6, 8))
    _check_budget(width * height, VP8_PIXELS_PER_BYTE * len(frame), "WebP", f"{len(frame):,} bytes of VP8 data")


# HEIC and AVIF (ISO base media file format) ----------------------------------------------------


def _boxes(data: bytes, start: int, end: int, what: str) -> Iterator[tuple[bytes, int, int]]:
    """(type, start of contents, end) of the boxes in data[start:end]; a box that runs past the end
    is truncation. Bytes that do not read as a box (a file appended to this one) end the walk."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if not all(0x20 <= c < 0x7F for c in kind):
            return
        header = 8
        if size == 1 and pos + 16 <= end:
            size, header = struct.unpack(">Q", data[pos + 8 : pos + 16])[0], 16
        elif size == 0:
            size = end - pos
        if size < header:
            raise InputError(f"corrupt {what} file (box {kind.decode('latin-1')!r} at byte {pos:,} has size {size})")
        if pos + size > end:
            raise _truncated(what, f"the {kind.decode('latin-1')!r} box at byte {pos:,}")
        yield kind, pos + header, pos + size
        pos += size


def _heif(image: Image.Image, data: bytes) -> None:
    for _ in _boxes(data, 0, len(data), "HEIC/HEIF"):
        pass
    check_hevc_budget(*image.size, len(data), "HEIC/HEIF")


def _avif(image: Image.Image, data: bytes) -> None:
    """No truncated box or item; the picture within what its AV1 sequence headers allow (libavif
    would otherwise stretch the coded picture to any size the 'ispe' property claims).

    The sequence header sits in the 'av1C' property or at the start of the item's data.
    """
    items, headers = 0, []
    for kind, body, end in _descend(data, 0, len(data)):
        if kind == b"infe" and data[body] >= 2:
            id_size = 2 if data[body] == 2 else 4
            items += data[body + 6 + id_size : body + 10 + id_size] == b"av01"
        elif kind == b"av1C":
            headers.append(data[body + 4 : end])
        elif kind == b"iloc":
            for start, length in _iloc_extents(data, body, end):
                if start + length > len(data):
                    raise _truncated("AVIF", f"the item data at byte {start:,}")
                headers.append(data[start : start + 64])
    sizes = [size for size in map(_av1_max_frame_size, headers) if size]
    largest = max((width * height for width, height in sizes), default=0)
    if largest:
        width, height = image.size
        _check_budget(width * height, max(items, 1) * largest, "AVIF",
                      f"its AV1 data (at most {largest:,} pixels per image item)")


_CONTAINERS = {b"meta": 4, b"iprp": 0, b"ipco": 0}  # bytes before the child boxes


def _descend(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Every box of an AVIF file, depth first, down through the boxes that hold the item properties."""
    for kind, body, box_end in _boxes(data, start, end, "AVIF"):
        yield kind, body, box_end
        if kind in _CONTAINERS:
            yield from _descend(data, body + _CONTAINERS[kind], box_end)
        elif kind == b"iinf" and body < box_end:  # version and flags, then a 16- or 32-bit entry count
            yield from _descend(data, body + (6 if data[body] == 0 else 8), box_end)


def _iloc_extents(data: bytes, body: int, end: int) -> list[tuple[int, int]]:
    """(file offset, length) of the extents of an 'iloc' box's items stored in the file itself."""
    version, sizes = data[body], data[body + 4 : body + 6]
    offset_size, length_size, base_size = sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4
    index_size = sizes[1] & 15 if version in (1, 2) else 0
    id_size = 4 if version == 2 else 2
    pos = body + 6
    extents = []

    def number(size: int) -> int:
        nonlocal pos
        if pos + size > end:
            raise InputError("corrupt AVIF file (its 'iloc' box is cut short)")
        pos += size
        return int.from_bytes(data[pos - size : pos], "big")

    for _ in range(number(id_size)):
        number(id_size)
        method = number(2) & 15 if version in (1, 2) else 0
        number(2)  # data_reference_index
        base = number(base_size)
        for _ in range(number(2)):
            number(index_size)
            offset, length = base + number(offset_size), number(length_size)
            if method == 0:
                extents.append((offset, length))
    return extents


def _av1_max_frame_size(obus: bytes) -> tuple[int, int] | None:
    """max_frame_width and _height of the first AV1 sequence header among the OBUs ``obus`` starts with."""
    from vpjnd_cli.codecs.bpg.bits import BitReader  # here: the codecs import the loader's package

    pos = 0
    while pos < len(obus):
        header = obus[pos]
        pos += 1 + ((header >> 2) & 1)  # the OBU header, and its extension byte
        size = len(obus) - pos
        if header & 2:  # obu_has_size_field: leb128
            size = shift = 0
            while pos < len(obus):
                size |= (obus[pos] & 0x7F) << shift
                pos, shift = pos + 1, shift + 7
                if not obus[pos - 1] & 0x80:
                    break
        if (header >> 3) & 15 == 1:  # OBU_SEQUENCE_HEADER
            return _max_frame_size(BitReader(obus[pos : pos + size]))
        pos += size
    return None


def _max_frame_size(reader: BitReader) -> tuple[int, int] | None:
    try:
        reader.u(3)  # seq_profile
        reader.u(1)  # still_picture
        if reader.flag():  # reduced_still_picture_header
            reader.u(5)
        else:
            _skip_operating_points(reader)
        width_bits, height_bits = reader.u(4) + 1, reader.u(4) + 1
        return reader.u(width_bits) + 1, reader.u(height_bits) + 1
    except ValueError:
        return None


def _skip_operating_points(reader: BitReader) -> None:
    """The timing, decoder model and operating point fields of a full AV1 sequence header."""
    read = reader.u
    model, delay_bits = False, 0
    if read(1):  # timing_info_present_flag
        read(32), read(32)
        if read(1):  # equal_picture_interval: num_ticks_per_picture_minus_1 as uvlc
            zeros = 0
            while not read(1):
                zeros += 1
            read(zeros)
        model = bool(read(1))
        if model:
            delay_bits = read(5) + 1
            read(32), read(5), read(5)
    initial_delay = bool(read(1))
    for _ in range(read(5) + 1):
        read(12)
        if read(5) > 7:
            read(1)
        if model and read(1):
            read(delay_bits), read(delay_bits), read(1)
        if initial_delay and read(1):
            read(4)


# TIFF ------------------------------------------------------------------------------------------


def _tiff(image: Image.Image, data: bytes) -> None:
    """Strips (or tiles) inside the file; the first page's pixels within its compression's ratio."""
    tags = getattr(image, "tag_v2", {})
    offsets, counts = _ints(tags.get(273) or tags.get(324)), _ints(tags.get(279) or tags.get(325))
    for offset, count in zip(offsets, counts, strict=False):
        if offset + count > len(data):
            raise _truncated("TIFF", f"the image data at byte {offset:,}")
    ratio = _TIFF_RATIOS.get(next(iter(_ints(tags.get(259))), 1))
    if ratio is None or not counts:
        return
    bits_per_pixel = sum(_ints(tags.get(258))) or 1
    _check_budget(image.size[0] * image.size[1], ratio * sum(counts) * 8 / bits_per_pixel, "TIFF",
                  f"{sum(counts):,} bytes of image data")


def _ints(value: object) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,)
    if isinstance(value, tuple | list):
        return tuple(v for v in value if isinstance(v, int))
    return ()


# BMP -------------------------------------------------------------------------------------------


def _bmp(image: Image.Image, data: bytes) -> None:
    """An RLE stream (which Pillow pads with black where it ends) must reach its last row and its
    end-of-bitmap code; the pixels its skip codes leave as background count as an uncovered canvas."""
    tiles = getattr(image, "tile", None)  # an ImageFile's: how the file stores its pixels
    if not tiles or tiles[0][0] != "bmp_rle":  # (decoder, extents, offset, (raw mode, RLE4, ...))
        return
    rows, coded = _rle_extent(data, tiles[0][2], bool(tiles[0][3][1]))
    height = image.size[1]
    if rows is None or rows < height:
        reached = "its end-of-bitmap code" if rows is None else f"row {height:,} (it stops in row {rows:,})"
        raise InputError(f"truncated or corrupt BMP data (its RLE codes end before {reached})")
    _check_background(image.size, [coded], "BMP RLE")


def _rle_extent(data: bytes, pos: int, rle4: bool) -> tuple[int | None, int]:
    """(rows reached at the end-of-bitmap code, None without one; pixels coded by runs and absolute codes).

    Rows advance only at end-of-line and delta codes, as in Pillow's reader, which drops pixels
    past a row's end.
    """
    row = coded = 0
    while pos + 2 <= len(data):
        count, value = data[pos], data[pos + 1]
        pos += 2
        if count:  # a run
            coded += count
        elif value == 0:  # end of line
            row += 1
        elif value == 1:  # end of bitmap
            return row + 1, coded
        elif value == 2:  # delta: right, down
            row += data[pos + 1] if pos + 2 <= len(data) else 0
            pos += 2
        else:  # absolute pixels, padded to 16 bits
            size = (value + 1) // 2 if rle4 else value
            coded += value
            pos += size + (size & 1)
    return None, coded


_CHECKS: dict[str, Callable[[Image.Image, bytes], None]] = {
    "PNG": _png, "JPEG": _jpeg, "MPO": _jpeg, "GIF": _gif, "WEBP": _webp, "HEIF": _heif, "AVIF": _avif,
    "TIFF": _tiff, "BMP": _bmp,
}
