"""Fuzz vpjnd's input handling with malformed files of every input format.

Builds small pictures of every format vpjnd reads (PNG, JPEG, TIFF, BMP, WebP, AVIF, HEIC, JPEG XL,
GIF, PNM, BPG, in several variants each), derives malformed files from them (truncations at many
offsets, byte flips, corrupted length fields, lying dimensions, wrong extensions,
concatenations), and runs `vpjnd info` and `vpjnd compress --judge pjnd -o OUT` on each as real
processes with a timeout. It reports the exit codes, any exit 4 (internal error), any error that
is not exactly one `vpjnd:` line on stderr, any traceback, any timeout, the peak resident memory
of every run, any output left behind by a failed run (or a temporary file by any run) and any
input that changed. Seeded: the same seed and libraries give the same files (their digest is
printed).

    .venv/bin/python scripts/fuzz_inputs.py [--seed 0] [--jobs 2] [--timeout 120] [--keep DIR] [--json F]

Exit status: 0 when every check holds (no exit 4, no multi-line error, no traceback, no timeout,
no leftover, no changed input, every run under --max-rss-mb), else 1.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

CLI = [sys.executable, "-m", "vpjnd_cli"]
SIZE = (48, 32)  # width, height of the source pictures: small, so that a compress run is quick
HUGE = 12_000  # a lying side: 12,000 x 12,000 = 144 MP, just under the default --max-pixels
EXTENSIONS = (".png", ".jpg", ".tif", ".bmp", ".webp", ".avif", ".heic", ".jxl", ".gif", ".ppm", ".bpg")


@dataclass(frozen=True)
class Case:
    """One malformed file: its name (unique, with the extension it is saved under), how it was made, its bytes."""

    name: str
    source: str
    mutation: str
    data: bytes = field(repr=False)


@dataclass
class Run:
    """One vpjnd process on one case."""

    case: str
    command: str
    exit_code: int | None  # None: killed at the timeout
    stderr: str
    max_rss_mb: float
    seconds: float
    problems: list[str]


# ----------------------------------------------------------------------------------------------
# Source pictures


def _picture(seed: int, channels: int = 3) -> np.ndarray:
    """A seeded picture with gradients, an edge and noise (height x width x channels, uint8)."""
    width, height = SIZE
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    planes = [110 + 90 * np.sin(x / width * 3 + c) + 40 * np.cos(y / height * 2 + c) for c in range(channels)]
    pixels = np.stack(planes, axis=-1) + rng.normal(0, 10, (height, width, channels))
    pixels[:, width // 2 :] += 30
    return np.clip(pixels, 0, 255).astype(np.uint8)


def _pillow(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def _rle8_bmp(pixels: np.ndarray) -> bytes:
    """An 8-bit RLE-compressed BMP (Pillow reads but does not write them): runs of equal bytes per row."""
    height, width = pixels.shape
    body = bytearray()
    for row in pixels[::-1]:  # bottom-up
        x = 0
        while x < width:
            run = 1
            while x + run < width and run < 255 and row[x + run] == row[x]:
                run += 1
            body += bytes((run, int(row[x])))
            x += run
        body += b"\x00\x00"  # end of line
    body += b"\x00\x01"  # end of bitmap
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(body), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset) + info + palette + bytes(body)


def _plain_pnm(pixels: np.ndarray) -> bytes:
    """P3 (plain text PPM), which Pillow reads but does not write."""
    height, width, _ = pixels.shape
    values = "\n".join(" ".join(str(v) for v in row.ravel()) for row in pixels)
    return f"P3\n{width} {height}\n255\n{values}\n".encode()


def _bpg(pixels: np.ndarray, exif: bytes | None = None) -> bytes:
    """A BPG file from the built-in encoder; with ``exif``, it also has an extension block."""
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import CodecOptions
    from vpjnd_cli.imageio.metadata import Metadata

    codec = get_codec("bpg", CodecOptions(bpg_backend="builtin"))
    return codec.encode_final(pixels, codec.levels()[30], Metadata(exif=exif, icc=None, xmp=None))


def sources(seed: int) -> dict[str, tuple[str, bytes]]:
    """Every source file: name -> (extension, bytes), all made from seeded pictures."""
    import cv2
    import pillow_heif
    import pillow_jxl  # noqa: F401  (registers on import)

    pillow_heif.register_heif_opener()
    rgb, rgba = _picture(seed), _picture(seed + 1, 4)
    grey = _picture(seed + 2, 1)[..., 0]
    deep = (rgb.astype(np.uint16) * 257)[..., ::-1]  # BGR for OpenCV
    colour, with_alpha, mono = Image.fromarray(rgb), Image.fromarray(rgba), Image.fromarray(grey)
    exif = colour.getexif()
    exif[0x0112] = 6
    frames = [colour, Image.fromarray(_picture(seed + 3))]
    made = {
        "png-rgb": (".png", _pillow(colour, "PNG")),
        "png-rgba": (".png", _pillow(with_alpha, "PNG")),
        "png-palette": (".png", _pillow(colour.quantize(16), "PNG", transparency=0)),
        "png-grey16": (".png", _pillow(Image.fromarray(grey.astype(np.uint16) * 257), "PNG")),
        "png-rgb16": (".png", cv2.imencode(".png", deep)[1].tobytes()),
        "jpeg-baseline": (".jpg", _pillow(colour, "JPEG", quality=90)),
        "jpeg-progressive": (".jpg", _pillow(colour, "JPEG", quality=80, progressive=True)),
        "jpeg-grey-exif": (".jpg", _pillow(mono, "JPEG", quality=85, exif=exif.tobytes())),
        "tiff-raw": (".tif", _pillow(colour, "TIFF")),
        "tiff-lzw": (".tif", _pillow(with_alpha, "TIFF", compression="tiff_lzw")),
        "tiff-deflate": (".tif", _pillow(colour, "TIFF", compression="tiff_adobe_deflate")),
        "tiff-packbits": (".tif", _pillow(mono, "TIFF", compression="packbits")),
        "tiff-rgb16": (".tif", cv2.imencode(".tif", deep)[1].tobytes()),
        "bmp-24": (".bmp", _pillow(colour, "BMP")),
        "bmp-palette": (".bmp", _pillow(colour.quantize(64), "BMP")),
        "bmp-rle8": (".bmp", _rle8_bmp(grey // 32 * 32)),
        "webp-lossy": (".webp", _pillow(colour, "WEBP", quality=80)),
        "webp-lossless": (".webp", _pillow(with_alpha, "WEBP", lossless=True)),
        "webp-animated": (".webp", _pillow(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)),
        "avif": (".avif", _pillow(colour, "AVIF", quality=70)),
        "heic": (".heic", _pillow(colour, "HEIF", quality=70)),
        "jxl": (".jxl", _pillow(colour, "JXL", quality=80)),
        "jxl-lossless": (".jxl", _pillow(with_alpha, "JXL", lossless=True)),
        "gif": (".gif", _pillow(colour.quantize(32), "GIF")),
        "gif-animated": (".gif", _pillow(frames[0], "GIF", save_all=True, append_images=frames[1:])),
        "pnm-p6": (".ppm", _pillow(colour, "PPM")),
        "pnm-p5": (".pgm", _pillow(mono, "PPM")),
        "pnm-p4": (".pbm", _pillow(mono.convert("1"), "PPM")),
        "pnm-p3": (".ppm", _plain_pnm(rgb)),
        "bpg": (".bpg", _bpg(rgb)),
        "bpg-exif": (".bpg", _bpg(_picture(seed + 4), exif.tobytes()[6:])),
    }
    return made


# ----------------------------------------------------------------------------------------------
# Where the lengths and dimensions of each container sit


@dataclass(frozen=True)
class Field:
    """An unsigned integer in a file: offset, size in bytes, byte order."""

    offset: int
    size: int
    little: bool = False

    def read(self, data: bytes) -> int:
        return int.from_bytes(data[self.offset : self.offset + self.size], "little" if self.little else "big")

    def write(self, data: bytes, value: int) -> bytes:
        value = max(0, min(value, 256**self.size - 1))
        raw = value.to_bytes(self.size, "little" if self.little else "big")
        return data[: self.offset] + raw + data[self.offset + self.size :]


def _png_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    lengths, dims, pos = [], [], 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        lengths.append(Field(pos, 4))
        if data[pos + 4 : pos + 8] == b"IHDR":
            dims = [Field(pos + 8, 4), Field(pos + 12, 4)]
        pos += 12 + length
    return lengths, dims


def _jpeg_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    lengths, dims, pos = [], [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        lengths.append(Field(pos + 2, 2))
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            dims += [Field(pos + 7, 2), Field(pos + 5, 2)]  # width, height
        if marker == 0xDA:  # entropy-coded data follows
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return lengths, dims


def _tiff_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    little = data[:2] == b"II"
    order = "<" if little else ">"
    lengths, dims = [Field(4, 4, little)], []
    ifd = struct.unpack(order + "I", data[4:8])[0]
    if ifd + 2 > len(data):
        return lengths, dims
    count = struct.unpack(order + "H", data[ifd : ifd + 2])[0]
    for i in range(count):
        entry = ifd + 2 + 12 * i
        if entry + 12 > len(data):
            break
        tag, kind, number = struct.unpack(order + "HHI", data[entry : entry + 8])
        size = 2 if kind == 3 else 4
        where = entry + 8
        if number * size > 4:
            where = struct.unpack(order + "I", data[entry + 8 : entry + 12])[0]
            lengths.append(Field(entry + 8, 4, little))
        value = Field(where, size, little)
        if tag in (256, 257):
            dims.append(value)
        elif tag in (273, 278, 279, 324, 325):  # strip offsets, rows per strip, byte counts, tiles
            lengths.append(value)
    return lengths, dims


def _bmp_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    return [Field(o, 4, True) for o in (2, 10, 14, 34, 46)], [Field(18, 4, True), Field(22, 4, True)]


def _gif_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    dims = [Field(6, 2, True), Field(8, 2, True)]
    lengths: list[Field] = []
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    while pos < len(data):
        kind = data[pos]
        if kind == 0x21:
            pos += 2
        elif kind == 0x2C:
            dims += [Field(pos + 5, 2, True), Field(pos + 7, 2, True)]
            packed = data[pos + 9] if pos + 9 < len(data) else 0
            pos += 10 + (3 << ((packed & 7) + 1) if packed & 0x80 else 0) + 1
        else:
            break
        while pos < len(data) and data[pos]:  # sub-blocks, each led by its length
            lengths.append(Field(pos, 1))
            pos += data[pos] + 1
        pos += 1
    return lengths, dims


def _riff_fields(data: bytes) -> tuple[list[Field], list[Field]]:
    lengths, dims, pos = [Field(4, 4, True)], [], 12
    while pos + 8 <= len(data):
        fourcc, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        lengths.append(Field(pos + 4, 4, True))
        body = pos + 8
        if fourcc == b"VP8X":
            dims += [Field(body + 4, 3, True), Field(body + 7, 3, True)]
        elif fourcc == b"VP8 ":
            dims += [Field(body + 6, 2, True), Field(body + 8, 2, True)]
        elif fourcc == b"ANMF":
            dims += [Field(body + 6, 3, True), Field(body + 9, 3, True)]
            pos = body + 16  # frame data holds chunks of its own
            continue
        pos = body + size + (size & 1)
    return lengths, dims


_CONTAINERS = {b"meta": 4, b"iprp": 0, b"ipco": 0, b"dinf": 0, b"iinf": 6, b"moov": 0, b"trak": 0}


def _isobmff_fields(data: bytes, start: int = 0, end: int | None = None) -> tuple[list[Field], list[Field]]:
    end = len(data) if end is None else end
    lengths, dims, pos = [], [], start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I", data[pos : pos + 4])[0], data[pos + 4 : pos + 8]
        lengths.append(Field(pos, 4))
        if size < 8:
            break
        if kind == b"ispe":
            dims += [Field(pos + 12, 4), Field(pos + 16, 4)]
        elif kind == b"iloc":
            lengths += _iloc_fields(data, pos + 8, pos + size)
        elif kind in _CONTAINERS:
            inner_lengths, inner_dims = _isobmff_fields(data, pos + 8 + _CONTAINERS[kind], min(pos + size, end))
            lengths += inner_lengths
            dims += inner_dims
        pos += size
    return lengths, dims


def _iloc_fields(data: bytes, pos: int, end: int) -> list[Field]:
    """The extent offsets and lengths of an 'iloc' box (where each item's data lies)."""
    version = data[pos]
    sizes = data[pos + 4], data[pos + 5]
    offset_size, length_size, base_size = sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4
    index_size = sizes[1] & 15 if version in (1, 2) else 0
    pos += 6
    count_size = 4 if version == 2 else 2
    items = int.from_bytes(data[pos : pos + count_size], "big")
    pos += count_size
    fields = []
    for _ in range(items):
        pos += count_size + (2 if version in (1, 2) else 0) + 2 + base_size
        if pos + 2 > end:
            break
        extents = struct.unpack(">H", data[pos : pos + 2])[0]
        pos += 2
        for _ in range(extents):
            pos += index_size
            if offset_size:
                fields.append(Field(pos, offset_size))
            pos += offset_size
            if length_size:
                fields.append(Field(pos, length_size))
            pos += length_size
    return [f for f in fields if f.offset + f.size <= end]


def _none(data: bytes) -> tuple[list[Field], list[Field]]:
    return [], []


def _layout(data: bytes) -> Callable[[bytes], tuple[list[Field], list[Field]]]:
    if data.startswith(b"\x89PNG"):
        return _png_fields
    if data.startswith(b"\xff\xd8"):
        return _jpeg_fields
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_fields
    if data.startswith(b"BM"):
        return _bmp_fields
    if data.startswith(b"GIF"):
        return _gif_fields
    if data.startswith(b"RIFF"):
        return _riff_fields
    if data[4:8] == b"ftyp":
        return _isobmff_fields
    return _none


def _bpg_header_fields(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of the ue7 fields width, height, picture data length of a BPG file."""
    spans, pos = [], 6
    for _ in range(3):
        start = pos
        while pos < len(data) and data[pos] & 0x80:
            pos += 1
        pos += 1
        spans.append((start, pos))
    return spans


def _pnm_header(data: bytes) -> tuple[list[int], int] | None:
    """The numbers of a PNM header (width, height[, maxval]) and where the header ends."""
    tokens, pos = [], 2
    wanted = 2 if data[:2] in (b"P1", b"P4") else 3
    while len(tokens) < wanted and pos < len(data):
        while pos < len(data) and data[pos : pos + 1].isspace():
            pos += 1
        start = pos
        while pos < len(data) and data[pos : pos + 1].isdigit():
            pos += 1
        if start == pos:
            return None
        tokens.append(int(data[start:pos]))
    return (tokens, pos) if len(tokens) == wanted else None


# ----------------------------------------------------------------------------------------------
# Mutations


def _fix_png_crcs(data: bytes) -> bytes:
    """Recompute the CRC of every whole PNG chunk, so that a lying field is read, not refused by its CRC."""
    out, pos = bytearray(data), 8
    while pos + 12 <= len(data):
        length = struct.unpack(">I", data[pos : pos + 4])[0]
        if pos + 12 + length > len(data):
            break
        out[pos + 8 + length : pos + 12 + length] = struct.pack(">I", zlib.crc32(data[pos + 4 : pos + 8 + length]))
        pos += 12 + length
    return bytes(out)


def _lie_about_size(data: bytes, rng: random.Random, first: bool = False) -> tuple[str, bytes] | None:
    """The file with other dimensions in its header: (description, bytes), None if none are known.

    ``first``: the most dangerous lie, HUGE x HUGE in the first size field (the canvas of an animation).
    """
    from vpjnd_cli.codecs.bpg.container import write_ue7

    width, height = SIZE
    choices = [(HUGE, HUGE), (width * 16, height), (width, height * 256), (0, height), (width + 1, height + 1),
               (width // 2, height // 2), (65_535, 65_535), (height, width)]
    new_w, new_h = (HUGE, HUGE) if first else rng.choice(choices)
    if data.startswith(b"BPG\xfb"):
        (width_start, _), (_, height_end) = _bpg_header_fields(data)[:2]
        return f"size {new_w}x{new_h}", data[:width_start] + write_ue7(new_w) + write_ue7(new_h) + data[height_end:]
    if data[:1] == b"P" and data[1:2] in b"1234567":
        header = _pnm_header(data)
        if header is None:
            return None
        tokens, end = header
        text = " ".join(str(v) for v in [new_w, new_h, *tokens[2:]])
        return f"size {new_w}x{new_h}", data[:2] + b"\n" + text.encode() + data[end:]
    _, dims = _layout(data)(data)
    if len(dims) < 2:
        return None
    pairs = [dims[i : i + 2] for i in range(0, len(dims) - 1, 2)]
    w_field, h_field = pairs[0] if first else rng.choice(pairs)
    stored = 1 if data.startswith(b"RIFF") and w_field.size == 3 else 0  # VP8X and ANMF store size - 1
    out = h_field.write(w_field.write(data, max(new_w - stored, 0)), max(new_h - stored, 0))
    if data.startswith(b"\x89PNG"):
        out = _fix_png_crcs(out)
    return f"size {new_w}x{new_h} at {w_field.offset}", out


def _corrupt_length(data: bytes, rng: random.Random) -> tuple[str, bytes] | None:
    from vpjnd_cli.codecs.bpg.container import write_ue7

    if data.startswith(b"BPG\xfb"):
        start, end = _bpg_header_fields(data)[2]
        value = rng.choice([1, 7, 1 << 20, len(data) * 2])
        return f"picture data length {value}", data[:start] + write_ue7(value) + data[end:]
    if data[:1] == b"P" and data[1:2] in b"2356":
        header = _pnm_header(data)
        if header is None:
            return None
        tokens, end = header
        maxval = rng.choice([0, 1, 256, 65_535, 70_000])
        return f"maxval {maxval}", data[:2] + f"\n{tokens[0]} {tokens[1]} {maxval}".encode() + data[end:]
    lengths, _ = _layout(data)(data)
    if not lengths:
        return None
    target = rng.choice(lengths)
    old = target.read(data)
    value = rng.choice([0, 1, old - 1, old + 1, old * 2, old + 4096, 256**target.size - 1, 0x7FFF_FFFF,
                        rng.randrange(1 << 16)])
    out = target.write(data, value)
    if data.startswith(b"\x89PNG") and rng.random() < 0.5:
        out = _fix_png_crcs(out)
    return f"length at {target.offset}: {old} -> {value}", out


def _flip(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    out = bytearray(data)
    spots = []
    for _ in range(rng.randint(1, 4)):
        limit = min(len(out), 96) if rng.random() < 0.5 else len(out)
        spot = rng.randrange(limit)
        out[spot] ^= rng.randint(1, 255)
        spots.append(spot)
    return "flip at " + ",".join(map(str, sorted(spots))), bytes(out)


def _mutations(name: str, data: bytes, others: list[bytes], rng: random.Random) -> Iterator[tuple[str, bytes]]:
    size = len(data)
    cuts = {1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 100, 200, size // 4, size // 2, 3 * size // 4, size - 16, size - 2,
            size - 1}
    cuts |= {rng.randrange(1, size) for _ in range(4)}
    for cut in sorted(c for c in cuts if 0 < c < size):
        yield f"truncated to {cut}", data[:cut]
    for _ in range(8):
        yield _flip(data, rng)
    for _ in range(6):
        made = _corrupt_length(data, rng)
        if made:
            yield made
    for number in range(6):
        made = _lie_about_size(data, rng, first=number == 0)
        if made:
            yield made
    yield "itself twice", data + data
    yield "another file appended", data + rng.choice(others)
    yield "garbage appended", data + rng.randbytes(rng.choice([1, 100, 5000]))
    yield "a byte before it", b"\x00" + data
    yield "truncated in half then flipped", _flip(data[: size // 2], rng)[1]


def cases(seed: int = 0) -> list[Case]:
    """Every malformed file, in a fixed order (about 1,100 for the default sources)."""
    made = sources(seed)
    out: list[Case] = []
    everything = [data for _, data in made.values()]
    for source, (suffix, data) in made.items():
        rng = random.Random(f"{seed}:{source}")
        for number, (mutation, bytes_) in enumerate(_mutations(source, data, everything, rng)):
            out.append(Case(f"{source}-{number:03d}{suffix}", source, mutation, bytes_))
        wrong = rng.sample([e for e in EXTENSIONS if e != suffix], 2)
        out.append(Case(f"{source}-as{wrong[0]}", source, f"named {wrong[0]}", data))
        cut = data[: len(data) * 2 // 3]
        out.append(Case(f"{source}-cut-as{wrong[1]}", source, f"truncated, named {wrong[1]}", cut))
    return out


def digest(all_cases: list[Case]) -> str:
    """One hash over every case's name and bytes: equal digests mean equal corpora."""
    h = hashlib.sha256()
    for case in all_cases:
        h.update(case.name.encode() + b"\0" + hashlib.sha256(case.data).digest())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------------------------
# Running vpjnd


# Runs argv[2:] in a child forked from this small process and writes that child's peak RSS (KB) to
# argv[1]. Linux counts a parent's resident memory at the spawn in its child's peak, so vpjnd is not
# spawned from the runner itself (a few hundred MB of pictures and libraries) but from this (~10 MB).
_LAUNCHER = """
import os, signal, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
if code < 0:
    signal.signal(-code, signal.SIG_DFL)
    os.kill(os.getpid(), -code)
sys.exit(code)
"""


def run_vpjnd(args: list[str], timeout: float, env: dict[str, str] | None = None,
              cap_mb: int = 0) -> tuple[int | None, str, float, float]:
    """Run vpjnd in a new process group: (exit code or None on timeout, stderr, peak RSS in MB, seconds).

    ``cap_mb``: the run's address space limit (0: none), so that a memory bomb fails fast.
    """
    def cap() -> None:
        if cap_mb:
            resource.setrlimit(resource.RLIMIT_AS, (cap_mb << 20, cap_mb << 20))

    started = time.monotonic()
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        process = subprocess.Popen([sys.executable, "-c", _LAUNCHER, rss.name, *CLI, *args], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, env=env,
                                   preexec_fn=cap)
        try:
            _, err = process.communicate(timeout=timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, err = process.communicate()
            code = None
        peak_kb = int(rss.read() or 0)
    return code, err.decode("utf-8", "replace"), peak_kb / 1024, time.monotonic() - started


def stderr_problems(code: int | None, stderr: str) -> list[str]:
    """What is wrong with a run's exit code and stderr (empty: nothing)."""
    lines = stderr.splitlines()
    problems = []
    if code is None:
        problems.append("timeout")
    elif code == 4:
        problems.append("exit 4")
    elif code not in (0, 1, 2, 3):
        problems.append(f"exit {code}")
    if "Traceback" in stderr:
        problems.append("traceback")
    foreign = [line for line in lines if not line.startswith(("vpjnd: error: ", "vpjnd: warning: "))]
    errors = [line for line in lines if line.startswith("vpjnd: error: ")]
    if foreign:
        problems.append(f"stderr line not from vpjnd: {foreign[0][:120]!r}")
    if code not in (0, None) and len(errors) != 1:
        problems.append(f"{len(errors)} error lines")
    return problems


def run_case(case: Case, folder: Path, timeout: float, max_rss_mb: float, cap_mb: int = 0) -> list[Run]:
    """`vpjnd info` and `vpjnd compress --judge pjnd` on one case, each checked."""
    work = folder / case.name.replace(".", "_")
    out = work / "out"
    out.mkdir(parents=True)
    source = work / case.name
    source.write_bytes(case.data)
    before = hashlib.sha256(case.data).hexdigest()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1"}
    runs = []
    for command, args in (
        ("info", ["info", str(source)]),
        ("compress", ["compress", "--judge", "pjnd", str(source), "-o", str(out / "out.jpg")]),
    ):
        code, stderr, rss, seconds = run_vpjnd(args, timeout, env, cap_mb)
        problems = stderr_problems(code, stderr)
        if rss > max_rss_mb:
            problems.append(f"peak RSS {rss:.0f} MB")
        left = sorted(p.name for p in out.iterdir())
        if command == "compress" and code != 0 and left:
            problems.append(f"output left by a failed run: {left}")
        if any(n.startswith(".") or n.endswith(".part") for n in left):
            problems.append(f"temporary file left: {left}")
        changed = hashlib.sha256(source.read_bytes()).hexdigest() != before
        if changed or sorted(os.listdir(work)) != sorted([case.name, "out"]):
            problems.append("input or its folder changed")
        runs.append(Run(case.name, command, code, stderr.strip(), round(rss, 1), round(seconds, 2), problems))
    shutil.rmtree(work)
    return runs


def summarise(all_cases: list[Case], runs: list[Run], max_rss_mb: float) -> dict[str, object]:
    by_case = {case.name: case for case in all_cases}
    rss_by_command = {c: max((r.max_rss_mb for r in runs if r.command == c), default=0.0) for c in ("info", "compress")}
    heaviest = max(runs, key=lambda r: r.max_rss_mb)
    return {
        "files": len(all_cases),
        "formats": dict(Counter(Path(c.name).suffix if "-as" not in c.name else "renamed" for c in all_cases)),
        "runs": len(runs),
        "exit_codes": {c: dict(sorted(Counter(str(r.exit_code) for r in runs if r.command == c).items()))
                       for c in ("info", "compress")},
        "exit_4": sum(r.exit_code == 4 for r in runs),
        "multi_line_or_foreign_stderr": sum(any("stderr" in p or "error lines" in p for p in r.problems) for r in runs),
        "tracebacks": sum("traceback" in r.problems for r in runs),
        "timeouts": sum(r.exit_code is None for r in runs),
        "partial_outputs": sum(any("left" in p for p in r.problems) for r in runs),
        "changed_inputs": sum("input or its folder changed" in r.problems for r in runs),
        "peak_rss_mb": rss_by_command,
        "peak_rss_mb_by_source": {source: max(r.max_rss_mb for r in runs if by_case[r.case].source == source)
                                  for source in dict.fromkeys(by_case[r.case].source for r in runs)},
        "heaviest_run": f"{heaviest.command} {heaviest.case} ({by_case[heaviest.case].mutation}): "
                        f"{heaviest.max_rss_mb:.0f} MB",
        "largest_file_bytes": max(len(c.data) for c in all_cases),
        "slowest_run_seconds": max(r.seconds for r in runs),
        "over_rss_limit": sum(r.max_rss_mb > max_rss_mb for r in runs),
        "problems": [
            {"case": r.case, "mutation": by_case[r.case].mutation, "command": r.command, "exit": r.exit_code,
             "problems": r.problems, "stderr": r.stderr[:400]}
            for r in runs if r.problems
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="runs in parallel")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per vpjnd run")
    parser.add_argument("--max-rss-mb", type=float, default=1536, help="peak memory a run may reach")
    parser.add_argument("--cap-mb", type=int, default=0, help="address space limit of each run (0: none)")
    parser.add_argument("--limit", type=int, default=0, help="run about N cases spread evenly over the corpus (0: all)")
    parser.add_argument("--keep", type=Path, help="also write the malformed files to this folder")
    parser.add_argument("--json", type=Path, help="write the summary with every problem as JSON")
    args = parser.parse_args(argv)
    all_cases = cases(args.seed)
    selected = all_cases[:: max(1, len(all_cases) // args.limit)] if args.limit else all_cases
    print(f"{len(selected)} of {len(all_cases)} malformed files, seed {args.seed}, corpus digest {digest(all_cases)}",
          flush=True)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for case in all_cases:
            (args.keep / case.name).write_bytes(case.data)
    started = time.monotonic()
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="vpjnd-fuzz-") as folder, ThreadPoolExecutor(args.jobs) as pool:
        batches = pool.map(lambda c: run_case(c, Path(folder), args.timeout, args.max_rss_mb, args.cap_mb), selected)
        for number, batch in enumerate(batches, 1):
            runs += batch
            if number % 100 == 0:
                print(f"  {number} of {len(selected)} files", file=sys.stderr, flush=True)
    summary = summarise(selected, runs, args.max_rss_mb)
    summary["seed"], summary["digest"] = args.seed, digest(all_cases)
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    shown = {k: v for k, v in summary.items() if k != "problems"}
    print(json.dumps(shown, indent=1))
    for problem in summary["problems"]:
        print(f"  {problem['command']} {problem['case']} [{problem['mutation']}] exit {problem['exit']}: "
              f"{'; '.join(problem['problems'])}\n    {problem['stderr'][:300]!r}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
