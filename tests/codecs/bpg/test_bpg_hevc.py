"""HEVC glue: bit reader/writer, the hevc_header, and bit-exact decoding of our rebuilt
VPS/SPS against libx265's own stream (the encoder's reconstruction)."""

from __future__ import annotations

import numpy as np
import pytest

from vpjnd_cli.codecs.bpg import hevc, libav, read_bpg
from vpjnd_cli.codecs.bpg.bits import (
    BitReader,
    BitWriter,
    TruncatedError,
    escape,
    unescape,
)
from vpjnd_cli.codecs.bpg.builtin import bpg_from_stream, x265_stream
from vpjnd_cli.codecs.bpg.colour import planes_to_rgb
from vpjnd_cli.codecs.bpg.container import demux
from vpjnd_cli.codecs.bpg.reader import decode_planes


def picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([xx * 255 / w, yy * 255 / h, 128 + 100 * np.sin(xx / 5 + yy / 7)], axis=-1)
    noise = np.random.default_rng(seed).normal(0, 8, (h, w, 3))
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def test_exp_golomb_round_trip() -> None:
    values = [*range(300), 2**16, 2**31 - 1]
    w = BitWriter()
    for v in values:
        w.ue(v)
        w.u(v & 1, 1)
    r = BitReader(w.to_bytes())
    assert [(r.ue(), r.u(1))[0] for _ in values] == values
    with pytest.raises(TruncatedError):
        BitReader(b"\x00").ue()


def test_bit_writer_codes() -> None:
    w = BitWriter()
    for v in (0, 1, 2, 3):
        w.ue(v)  # 1 010 011 00100
    assert w.to_bytes() == bytes([0b10100110, 0b01000000])
    assert w.to_bytes(rbsp_trailing=True) == bytes([0b10100110, 0b01001000])


def test_emulation_prevention() -> None:
    assert escape(b"\x00\x00\x01\x00\x00\x00\x00\x00\x04") == b"\x00\x00\x03\x01\x00\x00\x03\x00\x00\x03\x00\x04"
    rng = np.random.default_rng(0)
    for _ in range(50):
        rbsp = bytes(rng.choice([0, 0, 0, 1, 2, 3, 255], 40).astype(np.uint8)) + b"\x80"
        payload = escape(rbsp)
        assert b"\x00\x00\x00" not in payload and b"\x00\x00\x01" not in payload and b"\x00\x00\x02" not in payload
        assert unescape(payload) == rbsp


def test_hevc_header_round_trip() -> None:
    pcm = hevc.PcmParams(7, 7, 0, 1, True)
    headers = [
        hevc.HevcHeader(0, 3, 0, 3, 2, True, None, True),
        hevc.HevcHeader(1, 2, 0, 3, 0, False, pcm, False, 0x80, 0b101010101),
        hevc.HevcHeader(0, 1, 0, 2, 0, True, None, True, 0x00),
    ]
    for header in headers:
        assert hevc.HevcHeader.from_bytes(header.to_bytes()) == header
    assert headers[0].to_bytes() == bytes.fromhex("924740")  # lena512color.bpg's, from bpgenc -m 8
    with pytest.raises(TruncatedError):
        hevc.HevcHeader.from_bytes(b"\x00")


def test_split_nals_and_layers() -> None:
    stream = b"\x00\x00\x00\x01\x40\x01\xaa\x00\x00\x01\x42\x09\xbb\x00\x00\x00\x00\x01\x44\x01\xcc"
    nals = hevc.split_nals(stream)
    assert nals == [b"\x40\x01\xaa", b"\x42\x09\xbb", b"\x44\x01\xcc"]
    assert [hevc.nal_type(n) for n in nals] == [32, 33, 34]
    assert [hevc.nal_layer(n) for n in nals] == [0, 1, 0]
    assert hevc.with_layer(nals[1], 0) == b"\x42\x01\xbb"
    assert hevc.split_nals(b"\x44\x01\xcc\x00\x00\x01\x26\x01") == [b"\x44\x01\xcc", b"\x26\x01"]


CASES = [  # (height, width, chroma, effort, grey)
    (48, 64, "420", 3, False),
    (48, 64, "444", 3, False),
    (23, 37, "420", 3, False),
    (23, 37, "444", 8, False),
    (23, 37, "420", 0, True),
    (40, 24, "420", 8, False),
    (5, 70, "444", 3, False),
    (23, 37, "444", 1, False),  # superfast: 16x16 minimum CU, padded to 32x48
]


@pytest.mark.parametrize(("h", "w", "chroma", "effort", "grey"), CASES)
def test_rebuilt_parameter_sets_decode_bit_exactly(h: int, w: int, chroma: str, effort: int, grey: bool) -> None:
    rgb = picture(h, w)
    if grey:
        rgb = np.repeat(rgb[..., 1:2], 3, axis=2)
    stream, header = x265_stream(rgb, 27, chroma, effort)
    reference = libav.hevc_decode(stream)  # libx265's stream with its own VPS/SPS/SEI
    data = bpg_from_stream(stream, header)
    ours, alpha = decode_planes(demux(data))
    assert alpha is None
    assert len(ours) == len(reference) == (1 if grey else 3)
    for mine, theirs in zip(ours, reference, strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    assert np.array_equal(read_bpg(data).rgb, planes_to_rgb(reference, header))
    assert len(data) < len(stream)  # VPS/SPS replaced by a few header bytes
