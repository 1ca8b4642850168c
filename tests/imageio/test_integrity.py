"""Truncated files and headers that claim more picture than the file holds are refused before decoding,
for every input format, and a valid file with the same traits still loads."""

from __future__ import annotations

import io
import struct
import subprocess
import time
import zlib

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image
from processes import CLI

from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio import load_image

RGB = natural_picture(32, 48)


def encoded(fmt: str, image: Image.Image | None = None, **params: object) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    (image or Image.fromarray(RGB)).save(buffer, format=fmt, **params)
    return buffer.getvalue()


def refused(data: bytes, fragment: str, name: str = "bad") -> str:
    with pytest.raises(InputError) as caught:
        load_image(name, data=data)
    assert fragment in caught.value.message, caught.value.message
    assert caught.value.path == name
    return caught.value.message


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, raw: bytes, interlace: int = 0) -> bytes:
    """An 8-bit RGB PNG of the filtered rows ``raw`` (valid CRCs), whatever the size says."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_claiming(width: int, height: int, rows: int, noise: bool = False) -> bytes:
    """A PNG whose header says width x height but whose image data holds ``rows`` rows: black, or
    ``noise`` that does not compress."""
    rng = np.random.default_rng(0)
    return png(width, height, b"".join(b"\0" + (rng.bytes(3 * width) if noise else bytes(3 * width))
                                       for _ in range(rows)))


def test_a_png_whose_body_is_shorter_than_its_header_is_refused():
    small = png_claiming(3000, 2000, rows=2)
    assert len(small) < 120
    refused(small, "truncated or corrupt PNG")
    refused(png_claiming(48, 8192, rows=32, noise=True), "inflates to 4,640 of the 1,187,840 bytes a 48x8192 picture")
    assert load_image("ok", data=png_claiming(48, 32, rows=32, noise=True)).rgb.shape == (32, 48, 3)


def test_a_png_cut_before_its_iend_is_refused_and_one_with_data_after_it_loads():
    data = encoded("PNG")
    refused(data[:-12], "it ends before its IEND chunk")
    refused(data[:-20], "runs past the end of the file")
    assert load_image("ok", data=data + b"appended bytes").rgb.shape == RGB.shape


def test_a_jpeg_whose_frame_header_claims_more_blocks_than_its_bits_is_refused():
    data = bytearray(encoded("JPEG", quality=90))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 12_000, 12_000)
    started = time.perf_counter()
    refused(bytes(data), "its 12000x12000 header needs 3,375,000 blocks of at least 2 bit(s)")  # 4:2:0
    assert time.perf_counter() - started < 1  # refused from the header, nothing decoded


def gif_bytes(frames: int = 1) -> bytes:
    pictures = [Image.fromarray(natural_picture(32, 48, seed=s)).quantize(32) for s in range(frames)]
    return encoded("GIF", pictures[0], save_all=True, append_images=pictures[1:])


def test_gif_truncation_in_any_frame_and_lying_sizes_are_refused():
    two = gif_bytes(2)
    refused(two[:-1], "it ends before its trailer")
    refused(two[: len(two) * 3 // 4], "truncated or corrupt GIF")  # inside the second frame
    screen = bytearray(gif_bytes())
    screen[6:10] = struct.pack("<HH", 12_000, 12_000)
    refused(bytes(screen), "more than 16 times the 1,536 pixels its data codes")
    frame = bytearray(gif_bytes())
    descriptor = frame.index(b"\x2c", 13)
    frame[descriptor + 5 : descriptor + 9] = struct.pack("<HH", 12_000, 12_000)
    refused(bytes(frame), "truncated or corrupt GIF: its header claims 144,000,000 pixels")


def test_a_tiff_whose_tags_point_past_its_end_is_refused():
    grey = encoded("TIFF", Image.fromarray(natural_picture(32, 48)[..., 0]), compression="packbits")
    refused(grey[:-1], "truncated or corrupt TIFF")  # Pillow only warns, then decodes
    data = encoded("TIFF", Image.fromarray(natural_picture(32, 48)), compression="tiff_lzw")
    refused(data[:-2], "truncated or corrupt TIFF file")  # Pillow cannot open it at all
    ifd = struct.unpack("<I", data[4:8])[0]
    strips = bytearray(data)
    for entry in range(struct.unpack("<H", data[ifd : ifd + 2])[0]):
        where = ifd + 2 + 12 * entry
        if struct.unpack("<H", data[where : where + 2])[0] == 279:  # StripByteCounts, one strip
            strips[where + 8 : where + 12] = struct.pack("<I", 10**6)
    refused(bytes(strips), "the image data at byte 8 runs past the end of the file")


def rle8_bmp(pixels: np.ndarray, end_of_bitmap: bool = True) -> bytes:
    height, width = pixels.shape
    body = b"".join(b"".join(bytes((1, int(v))) for v in row) + b"\0\0" for row in pixels[::-1])
    body += b"\0\1" if end_of_bitmap else b""
    palette = b"".join(bytes((i, i, i, 0)) for i in range(256))
    offset = 14 + 40 + len(palette)
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 8, 1, len(body), 2835, 2835, 256, 0)
    return b"BM" + struct.pack("<IHHI", offset + len(body), 0, 0, offset) + info + palette + body


def test_a_bmp_rle_stream_must_reach_its_last_row_and_its_end():
    grey = natural_picture(16, 24)[..., 0]
    assert np.array_equal(load_image("ok", data=rle8_bmp(grey)).rgb[..., 0], grey)
    refused(rle8_bmp(grey, end_of_bitmap=False), "end before its end-of-bitmap code")
    cut = rle8_bmp(grey)
    refused(cut[: len(cut) // 2], "truncated or corrupt BMP")
    tall = bytearray(rle8_bmp(grey))
    tall[22:26] = struct.pack("<i", 12_000)
    refused(bytes(tall), "end before row 12,000 (it stops in row 17)")


def test_webp_truncation_and_a_canvas_beyond_the_frames_are_refused():
    frames = [Image.fromarray(natural_picture(32, 48, seed=s)) for s in range(2)]
    animated = encoded("WEBP", frames[0], save_all=True, append_images=frames[1:], lossless=True)
    canvas = bytearray(animated)
    vp8x = canvas.index(b"VP8X") + 8
    canvas[vp8x + 4 : vp8x + 10] = (11_999).to_bytes(3, "little") * 2
    refused(bytes(canvas), "its 12000x12000 picture is more than 16 times the 3,072 pixels its data codes")
    refused(animated[:-10], "truncated or corrupt WebP file")
    lossy = bytearray(encoded("WEBP", quality=80))
    vp8 = lossy.index(b"VP8 ") + 8
    lossy[vp8 + 6 : vp8 + 10] = struct.pack("<HH", 12_000, 12_000)  # libwebp would first clear a 576 MB canvas
    refused(bytes(lossy), "its header claims 144,000,000 pixels, more than")


def iso_box(data: bytes, kind: bytes) -> int:
    """Where the box of type ``kind`` starts (its size field)."""
    return data.index(kind) - 4


def test_an_avif_item_larger_than_its_av1_frame_is_refused():
    data = bytearray(encoded("AVIF", quality=70))
    ispe = iso_box(data, b"ispe")
    data[ispe + 12 : ispe + 20] = struct.pack(">II", 12_000, 12_000)
    refused(bytes(data), "at most 1,536 pixels per image item")  # libavif would stretch 48x32 to 144 MP
    plain = encoded("AVIF", quality=70)
    refused(plain[:-5], "truncated or corrupt AVIF file")


def test_a_heic_cut_anywhere_is_refused():
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x010F] = "TestMake"
    data = encoded("HEIF", image, quality=70, exif=exif.tobytes())
    refused(data[:-1], "truncated or corrupt HEIC/HEIF file (the 'mdat' box")  # only its EXIF block is cut


def test_a_bpg_claiming_more_pixels_than_its_hevc_data_can_code_is_refused():
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import CodecOptions
    from vpjnd_cli.codecs.bpg.container import read_ue7, write_ue7

    codec = get_codec("bpg", CodecOptions(bpg_backend="builtin"))
    data = codec.encode(RGB, codec.levels()[30])
    _, pos = read_ue7(data, 6)
    _, pos = read_ue7(data, pos)
    lying = data[:6] + write_ue7(12_000) + write_ue7(12_000) + data[pos:]
    refused(lying, "truncated or corrupt BPG: its header claims 144,000,000 pixels")


def _one_gigabyte() -> None:
    """In the child: 1 GB of address space, three times what a small compress run needs."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def test_compress_on_a_tiny_png_claiming_150_megapixels_fails_fast_in_little_memory(tmp_path):
    """The case that ran for minutes at 8.7 GB: now exit 2 from the header, within 1 GB of address space."""
    source = tmp_path / "bomb.png"
    source.write_bytes(png_claiming(12_247, 12_247, rows=3))
    assert source.stat().st_size < 200
    started = time.perf_counter()
    result = subprocess.run([*CLI, "compress", "--judge", "pjnd", str(source), "-o", str(tmp_path / "o.jpg")],
                            capture_output=True, text=True, timeout=120, preexec_fn=_one_gigabyte)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "truncated or corrupt PNG" in result.stderr
    assert time.perf_counter() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.png"]


def adam7_rows(pixels: np.ndarray) -> bytes:
    """The filtered rows (filter type 0) of an Adam7-interlaced PNG, pass after pass (Pillow writes none)."""
    passes = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))
    return b"".join(b"\0" + row.tobytes() for x0, y0, dx, dy in passes for row in pixels[y0::dy, x0::dx] if row.size)


@pytest.mark.parametrize(("height", "width"), [(32, 48), (1, 1), (5, 3), (9, 17)])
def test_an_interlaced_png_loads_whole_and_one_short_of_a_byte_is_refused(height, width):
    pixels = natural_picture(height, width, seed=height)
    raw = adam7_rows(pixels)
    assert np.array_equal(load_image("ok", data=png(width, height, raw, interlace=1)).rgb, pixels)
    refused(png(width, height, raw[:-1], interlace=1), f"inflates to {len(raw) - 1:,} of the {len(raw):,} bytes")


@pytest.mark.parametrize(("mode", "params"), [("1", {}), ("P", {"bits": 2}), ("P", {"bits": 4}), ("L", {}), ("LA", {}),
                                              ("I;16", {}), ("RGBA", {})])
def test_valid_pngs_of_every_bit_depth_pass_the_exact_check(mode, params):
    image = Image.fromarray(natural_picture(31, 45))
    image = image.quantize(4) if mode == "P" else image.convert(mode)
    assert load_image("ok", data=encoded("PNG", image, **params)).rgb.shape == (31, 45, 3)


def test_an_os2_bmp_whose_pixels_look_like_an_rle_flag_loads():
    """OS/2 BMPs have a 12-byte header without a compression field: bytes 30-33 are pixels there."""
    pixels = natural_picture(4, 4)
    pixels[3, 1] = (0, 1, 0)  # bottom-up BGR rows: the file's bytes 30-33 read 01 00 00 00
    pixels[3, 2] = (0, 0, 0)
    rows = b"".join(row[:, ::-1].tobytes() for row in pixels[::-1])  # 4 x 3 bytes: no row padding
    header = struct.pack("<IHHHH", 12, 4, 4, 1, 24)
    data = b"BM" + struct.pack("<IHHI", 26 + len(rows), 0, 0, 26) + header + rows
    assert data[30:34] == b"\x01\0\0\0"
    assert np.array_equal(load_image("os2.bmp", data=data).rgb, pixels)
