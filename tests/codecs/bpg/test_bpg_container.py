"""The BPG container: ue7 numbers, header fields (checked by an independent parser), extension
records, metadata round trips and the errors corrupt files raise."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.bpg import BpgCodec, read_bpg
from vpjnd_cli.codecs.bpg.container import (
    BpgFile,
    BpgHeader,
    ColorSpace,
    PixelFormat,
    demux,
    mux,
    read_ue7,
    write_ue7,
)
from vpjnd_cli.errors import ExitCode, InputError
from vpjnd_cli.imageio.metadata import Metadata


def picture(h: int = 48, w: int = 64, seed: int = 0) -> np.ndarray:
    """Smooth colour ramps plus a little noise: compresses like a photo, fast to encode."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([xx * 255 / w, yy * 255 / h, 128 + 100 * np.sin(xx / 5 + yy / 7)], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 6, (h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def builtin() -> BpgCodec:
    return BpgCodec(CodecOptions(bpg_backend="builtin"))


# --- an independent reader of the fixed header and extension records, written from the spec ---


def spec_ue7(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = value * 128 + byte % 128
        if byte < 128:
            return value, pos


def spec_header(data: bytes) -> dict:
    fields: dict = {"magic": data[:4].hex()}
    fields["pixel_format"] = data[4] // 32
    fields["alpha1"] = (data[4] // 16) % 2
    fields["bit_depth"] = data[4] % 16 + 8
    fields["color_space"] = data[5] // 16
    fields["extension"] = (data[5] // 8) % 2
    fields["alpha2"] = (data[5] // 4) % 2
    fields["limited_range"] = (data[5] // 2) % 2
    fields["animation"] = data[5] % 2
    pos = 6
    for name in ("width", "height", "picture_data_length"):
        start = pos
        fields[name], pos = spec_ue7(data, pos)
        fields[name + "_bytes"] = pos - start
    fields["records"] = {}
    if fields["extension"]:
        length, pos = spec_ue7(data, pos)
        end = pos + length
        while pos < end:
            tag, pos = spec_ue7(data, pos)
            size, pos = spec_ue7(data, pos)
            fields["records"][tag] = data[pos : pos + size]
            pos += size
    fields["picture_start"] = pos
    return fields


# --- ue7 ---


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, "00"),
        (127, "7f"),
        (128, "8100"),
        (16383, "ff7f"),
        (16384, "818000"),
        (2**32 - 1, "8fffffff7f"),
    ],
)
def test_ue7_encodings(value: int, encoded: str) -> None:
    assert write_ue7(value).hex() == encoded
    assert read_ue7(bytes.fromhex(encoded) + b"\xaa", 0) == (value, len(encoded) // 2)


@pytest.mark.parametrize(
    "encoded",
    [
        "8001",  # non-shortest form of 1
        "808000",  # non-shortest form of 0
        "9080808000",  # 2**32: 33 bits
        "818080808000",  # six bytes
        "81",  # truncated
        "",
    ],
)
def test_ue7_rejects_bad_forms(encoded: str) -> None:
    with pytest.raises(InputError):
        read_ue7(bytes.fromhex(encoded), 0)


def test_ue7_write_rejects_out_of_range() -> None:
    for value in (-1, 2**32):
        with pytest.raises(ValueError):
            write_ue7(value)


# --- header fields of the files we write ---


def test_header_fields_of_encoded_files() -> None:
    codec = builtin()
    for (h, w), chroma, pixel_format in [((48, 64), "420", 1), ((8, 200), "444", 3)]:
        data = codec.encode(picture(h, w), Level(30, chroma))
        f = spec_header(data)
        assert f["magic"] == "425047fb"
        assert (f["pixel_format"], f["alpha1"], f["alpha2"], f["bit_depth"]) == (pixel_format, 0, 0, 8)
        assert (f["color_space"], f["limited_range"], f["animation"], f["extension"]) == (0, 0, 0, 0)
        assert (f["width"], f["height"]) == (w, h)
        assert f["width_bytes"] == (1 if w < 128 else 2)
        assert f["picture_data_length"] == len(data) - f["picture_start"]


def test_header_fields_of_grey_file() -> None:
    grey = np.repeat(picture()[..., :1], 3, axis=2)
    f = spec_header(builtin().encode(grey, Level(30, "444")))
    assert f["pixel_format"] == 0


def test_header_fields_with_3_and_5_byte_numbers() -> None:
    header = BpgHeader(
        width=2**32 - 1,
        height=16384,
        pixel_format=PixelFormat.YUV422_MPEG2,
        bit_depth=10,
        color_space=ColorSpace.YCBCR_BT709,
        limited_range=True,
        alpha1=True,
        alpha2=True,
        animation=True,
    )
    data = mux(BpgFile(header, b"\x92\x47\x40", b"\x44\x01\xc1", b"\x92\x47\x40", ((7, b"x" * 200),)))
    f = spec_header(data)
    assert (f["width"], f["width_bytes"], f["height"], f["height_bytes"]) == (2**32 - 1, 5, 16384, 3)
    assert (f["pixel_format"], f["bit_depth"], f["color_space"]) == (5, 10, 3)
    assert (f["alpha1"], f["alpha2"], f["limited_range"], f["animation"], f["extension"]) == (1, 1, 1, 1, 1)
    assert f["records"] == {7: b"x" * 200}
    assert demux(data) == BpgFile(header, b"\x92\x47\x40", b"\x44\x01\xc1", b"\x92\x47\x40", ((7, b"x" * 200),))


# --- metadata ---

EXIF = b"II*\x00\x08\x00\x00\x00\x01\x00\x12\x01\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00"
ICC = bytes(range(256)) * 3
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def test_metadata_round_trip() -> None:
    codec = builtin()
    rgb = picture()
    plain = codec.encode_final(rgb, Level(28))
    final = codec.encode_final(rgb, Level(28), Metadata(exif=EXIF, icc=ICC, xmp=XMP))
    f = spec_header(final)
    assert f["records"] == {1: EXIF, 2: ICC, 3: XMP}
    got = read_bpg(final)
    assert got.metadata == Metadata(exif=EXIF, icc=ICC, xmp=XMP)
    assert np.array_equal(got.rgb, codec.decode(plain))  # metadata does not touch the pixels
    assert read_bpg(codec.encode_final(rgb, Level(28), Metadata(xmp=XMP))).metadata == Metadata(xmp=XMP)
    assert demux(final).hevc_data == demux(plain).hevc_data
    assert read_bpg(plain).metadata.empty


def test_with_metadata_keeps_other_records() -> None:
    header = BpgHeader(width=8, height=8, animation=True)
    bpg = BpgFile(header, b"\x92\x47\x40", b"\x44\x01", extensions=((5, b"\x00\x01\x14"), (1, b"old")))
    out = demux(mux(bpg.with_metadata(Metadata(icc=ICC))))
    assert sorted(out.extensions) == [(2, ICC), (5, b"\x00\x01\x14")]


# --- corrupt input ---


def assert_input_error(data: bytes, *words: str) -> None:
    with pytest.raises(InputError) as info:
        read_bpg(data)
    message = str(info.value)
    assert "\n" not in message and all(w in message for w in words), message
    assert info.value.exit_code == ExitCode.USAGE


def test_corrupt_files_raise_input_error() -> None:
    data = builtin().encode(picture(), Level(30))
    assert_input_error(b"", "empty")
    assert_input_error(b"\x89PNG\r\n\x1a\n" + data[8:], "not a BPG")
    for cut in range(1, 12):
        assert_input_error(data[:cut], "truncated")
    assert_input_error(data[: len(data) // 2], "truncated")
    assert_input_error(data[:-1], "truncated")
    zero_width = data[:6] + b"\x00" + data[7:]
    assert_input_error(zero_width, "size")
    f = spec_header(data)
    garbage = data[: f["picture_start"] + 4] + bytes(range(7, 250)) * 4
    assert_input_error(data[:8] + b"\x00" + garbage[f["picture_start"] :], "HEVC")  # length 0: to the end


def test_extension_overrun_raises_input_error() -> None:
    good = mux(BpgFile(BpgHeader(width=8, height=8), b"\x92\x47\x40", b"\x44\x01", extensions=((1, b"abcd"),)))
    bad = bytearray(good)
    bad[good.index(b"abcd") - 1] = 0x7F  # record length beyond the extension data
    assert_input_error(bytes(bad), "extension")


def test_fuzzed_files_raise_only_input_error() -> None:
    data = builtin().encode(picture(24, 32), Level(35))
    rng = np.random.default_rng(3)
    variants = [data[:cut] for cut in range(0, len(data), 13)]
    for _ in range(40):
        flipped = bytearray(data)
        for pos in rng.integers(4, len(data), 3):
            flipped[pos] ^= 1 << int(rng.integers(8))
        variants.append(bytes(flipped))
    for variant in variants:
        try:
            decoded = read_bpg(variant)
        except InputError:
            continue
        assert decoded.rgb.ndim == 3 and decoded.rgb.dtype == np.uint8  # a flipped size bit is legal
