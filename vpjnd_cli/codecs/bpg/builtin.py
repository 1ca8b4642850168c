"""The built-in back-end: BPG files written with PyAV's libx265 and read with our reader.

Encoder settings, and why:
- qp=N with ipratio=1: constant QP where the slice QP is N. bpgenc keeps x265's ipratio 1.4,
  which lowers intra slices by about 3 (bpgenc -q 29 -> slice QP 26); our QP is exact.
- keyint=1, bframes=0, rc-lookahead=0: one intra picture, no lookahead work.
- frame-threads=1, lookahead-slices=0, pools=<threads>: only wavefront (WPP) rows run in
  parallel, which does not change the bitstream, so the same picture and level give the same
  bytes every time and for any thread count.
- min-cu-size=8 (ultrafast and superfast would use 16): readers rebuild the coded size as the
  true size rounded up to the minimum CU, and we pad to a multiple of 8, as bpgenc does. x265
  needs at least one 16x16 CTU, so a picture 8 pixels thin or less is padded to 16 with
  min-cu-size=16 instead.
- tune=ssim, as bpgenc (it turns psycho-visual RD off: the search judges fidelity itself).
- info=0: no SEI with the x265 version string (BPG drops SEI anyway).
"""

from __future__ import annotations

import numpy as np

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.codecs.bpg import colour, hevc
from vpjnd_cli.codecs.bpg.container import BpgFile, BpgHeader, PixelFormat, mux
from vpjnd_cli.codecs.bpg.reader import read_bpg

# Index = effort = bpgenc -m (1 superfast .. 9 placebo); 0 (ultrafast) exists only here.
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
_PIXEL_FORMAT = {"gray": PixelFormat.GRAY, "420": PixelFormat.YUV420, "444": PixelFormat.YUV444}


def x265_params(qp: int, threads: int, min_cu_size: int = 8) -> dict[str, object]:
    """x265 options for one reproducible intra picture at slice QP ``qp`` (module docstring)."""
    return {
        "qp": qp,
        "ipratio": 1,
        "keyint": 1,
        "bframes": 0,
        "rc-lookahead": 0,
        "min-cu-size": min_cu_size,
        "lookahead-slices": 0,
        "frame-threads": 1,
        "pools": threads,
        "info": 0,
        "log-level": "error",
    }


def encode_bpg(rgb: np.ndarray, qp: int, chroma: str, effort: int, threads: int = 1) -> bytes:
    """An HxWx3 uint8 RGB picture -> a BPG file (8-bit BT.601 full-range YCbCr, no metadata)."""
    return bpg_from_stream(*x265_stream(rgb, qp, chroma, effort, threads))


def x265_stream(rgb: np.ndarray, qp: int, chroma: str, effort: int, threads: int = 1) -> tuple[bytes, BpgHeader]:
    """libx265's own Annex-B stream for the picture, and the BPG header that describes it.

    ``chroma`` is "420" or "444"; a grey picture (R == G == B) is coded as gray whatever it
    says. The picture is padded to a multiple of the minimum CU size (8, or 16 for thin
    pictures) by edge replication, like bpgenc; the header holds the true size.
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 picture, got {rgb.dtype} {rgb.shape}")
    if not 0 <= qp <= 51:
        raise ValueError(f"BPG QP must be 0..51, got {qp}")
    from vpjnd_cli.codecs.bpg import libav  # loads FFmpeg: only when BPG is written

    sampling = "gray" if colour.is_grey(rgb) else chroma
    min_cu_size = 8 if min(rgb.shape[:2]) > 8 else 16
    planes = colour.rgb_to_ycbcr(colour.pad_to_multiple(rgb, min_cu_size), sampling)
    stream = libav.x265_encode(planes, PRESETS[effort], x265_params(qp, threads, min_cu_size))
    return stream, BpgHeader(width=rgb.shape[1], height=rgb.shape[0], pixel_format=_PIXEL_FORMAT[sampling])


def bpg_from_stream(stream: bytes, header: BpgHeader) -> bytes:
    """Mux an encoder's stream: its SPS becomes the hevc_header; VPS, SPS and SEI are dropped."""
    sps, hevc_data = hevc.to_bpg_parts(stream)
    if (sps.width, sps.height) != hevc.coded_size(header.width, header.height, sps.header):
        raise ValueError("the encoder chose a coded size that BPG readers would not rebuild")
    return mux(BpgFile(header, sps.header.to_bytes(), hevc_data))


class BuiltinBackend:
    """In-process encode and decode; needs only PyAV."""

    def __init__(self, effort: int, threads: int = 1) -> None:
        self.effort = effort
        self.threads = threads

    def encode(self, rgb: np.ndarray, level: Level) -> bytes:
        return encode_bpg(rgb, level.setting, level.chroma, self.effort, self.threads)

    def decode(self, data: bytes) -> np.ndarray:
        return read_bpg(data).rgb
