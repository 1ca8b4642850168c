"""The built-in back-end: BPG files written with PyAV's libx265 and read with our reader.

Encoder settings, and why:
- qp=N with ipratio=1: constant QP where the slice QP is N. bpgenc keeps x265's ipratio 1.4,
  which lowers intra slices by about 3 (bpgenc -q 29 -> slice QP 26); our QP is exact.
- keyint=1, bframes=0, rc-lookahead=0: one intra picture, no lookahead work.
- frame-threads=1, lookahead-slices=0, pools=<threads>: only wavefront (WPP) rows run in
  parallel, which does not change the bitstream, so the same picture and level give the same
  bytes every time and for any thread count. The back-end therefore takes this process's share
  of the CPUs (a 1080p "faster" encode: 0.81 s on one thread, 0.42 s on two).
- min-cu-size: readers rebuild the coded size as the true size rounded up to the minimum CU, so
  the picture is padded to a multiple of it. 8, as bpgenc, except for ultrafast (the search's
  preset) and superfast, which keep x265's own 16: at 8 they take three times as long. x265
  needs at least one 16x16 CTU, so a picture 8 pixels thin or less is padded to 16 with
  min-cu-size=16 whatever the preset.
- tune=ssim, as bpgenc (it turns psycho-visual RD off: the search judges fidelity itself).
- info=0: no SEI with the x265 version string (BPG drops SEI anyway).

Alpha: an RGBA picture's alpha plane is a second, monochrome picture coded at the same QP
(bpgenc's default too), stored as straight alpha (alpha1, not premultiplied) in the alpha layer.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from vpjnd_cli.codecs.base import Level
from vpjnd_cli.codecs.bpg import colour, hevc
from vpjnd_cli.codecs.bpg.container import BpgFile, BpgHeader, PixelFormat, mux
from vpjnd_cli.codecs.bpg.reader import read_bpg
from vpjnd_cli.cpus import process_threads

# Index = effort = bpgenc -m (1 superfast .. 9 placebo); 0 (ultrafast) exists only here.
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo")
_PIXEL_FORMAT = {"gray": PixelFormat.GRAY, "420": PixelFormat.YUV420, "444": PixelFormat.YUV444}
_COARSE = ("ultrafast", "superfast")  # presets that keep x265's 16x16 minimum CU


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


def encode_bpg(pixels: np.ndarray, qp: int, chroma: str, effort: int, threads: int = 1) -> bytes:
    """An HxWx3 uint8 RGB or HxWx4 RGBA picture -> a BPG file (8-bit BT.601 full-range YCbCr,
    straight alpha, no metadata)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 or HxWx4 uint8 picture, got {pixels.dtype} {pixels.shape}")
    stream, header = x265_stream(np.ascontiguousarray(pixels[..., :3]), qp, chroma, effort, threads)
    if pixels.shape[2] == 3:
        return bpg_from_stream(stream, header)
    min_cu_size = _min_cu_size(pixels, effort)
    alpha = _x265_encode([colour.pad_to_multiple(pixels[..., 3], min_cu_size)], qp, effort, threads, min_cu_size)
    return bpg_from_stream(stream, header, alpha)


def x265_stream(rgb: np.ndarray, qp: int, chroma: str, effort: int, threads: int = 1) -> tuple[bytes, BpgHeader]:
    """libx265's own Annex-B stream for the picture, and the BPG header that describes it.

    ``chroma`` is "420" or "444"; a grey picture (R == G == B) is coded as gray whatever it
    says. The picture is padded to a multiple of the minimum CU size (8, or 16 for thin
    pictures and the coarse presets) by edge replication, like bpgenc; the header holds the true size.
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an HxWx3 uint8 picture, got {rgb.dtype} {rgb.shape}")
    sampling = "gray" if colour.is_grey(rgb) else chroma
    min_cu_size = _min_cu_size(rgb, effort)
    planes = colour.rgb_to_ycbcr(colour.pad_to_multiple(rgb, min_cu_size), sampling)
    stream = _x265_encode(planes, qp, effort, threads, min_cu_size)
    return stream, BpgHeader(width=rgb.shape[1], height=rgb.shape[0], pixel_format=_PIXEL_FORMAT[sampling])


def _min_cu_size(pixels: np.ndarray, effort: int) -> int:
    return 8 if min(pixels.shape[:2]) > 8 and PRESETS[effort] not in _COARSE else 16


def _x265_encode(planes: list[np.ndarray], qp: int, effort: int, threads: int, min_cu_size: int) -> bytes:
    """Padded Y (or Y, Cb, Cr) planes coded at slice QP ``qp``."""
    if not 0 <= qp <= 51:
        raise ValueError(f"BPG QP must be 0..51, got {qp}")
    from vpjnd_cli.codecs.bpg import libav  # loads FFmpeg: only when BPG is written

    return libav.x265_encode(planes, PRESETS[effort], x265_params(qp, threads, min_cu_size))


def bpg_from_stream(stream: bytes, header: BpgHeader, alpha: bytes | None = None) -> bytes:
    """Mux an encoder's stream (and its alpha picture's): each SPS becomes a hevc_header; VPS,
    SPS and SEI are dropped."""
    sps, alpha_sps, hevc_data = hevc.to_bpg_parts(stream, alpha)
    for info in filter(None, (sps, alpha_sps)):
        if (info.width, info.height) != hevc.coded_size(header.width, header.height, info.header):
            raise ValueError("the encoder chose a coded size that BPG readers would not rebuild")
    if alpha_sps is None:
        return mux(BpgFile(header, sps.header.to_bytes(), hevc_data))
    return mux(BpgFile(replace(header, alpha1=True), sps.header.to_bytes(), hevc_data, alpha_sps.header.to_bytes()))


class BuiltinBackend:
    """In-process encode and decode; needs only PyAV."""

    fastest_effort = 0  # x265 ultrafast: search candidates

    def encode(self, pixels: np.ndarray, level: Level, effort: int) -> bytes:
        return encode_bpg(pixels, level.setting, level.chroma, effort, process_threads())

    def decode(self, data: bytes) -> np.ndarray:
        picture = read_bpg(data)
        return picture.rgb if picture.alpha is None else np.dstack((picture.rgb, picture.alpha))
