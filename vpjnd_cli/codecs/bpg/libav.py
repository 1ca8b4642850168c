"""The only module that touches PyAV: x265 intra encoding and HEVC decoding of planes.

Imported lazily (by the built-in back-end and the reader), so that starting the CLI does not
load FFmpeg.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np


class HevcDecodeError(ValueError):
    """FFmpeg could not decode the stream (its own errors are several exception types)."""


def x265_encode(planes: list[np.ndarray], preset: str, params: dict[str, object]) -> bytes:
    """Encode one picture given as uint8 planes (Y or Y, Cb, Cr) to an Annex-B HEVC stream.

    The frame is tagged full-range BT.601 (it only lands in the VUI, which BPG drops).
    """
    h, w = planes[0].shape
    if len(planes) == 1:
        pix_fmt = "gray"
    else:
        pix_fmt = "yuv444p" if planes[1].shape == planes[0].shape else "yuv420p"
    ctx = av.CodecContext.create("libx265", "w")
    ctx.width, ctx.height, ctx.pix_fmt = w, h, pix_fmt
    ctx.time_base = Fraction(1, 1)
    ctx.color_range = av.video.reformatter.ColorRange.JPEG
    ctx.colorspace = av.video.reformatter.Colorspace.ITU601
    ctx.options = {
        "preset": preset,
        "tune": "ssim",
        "x265-params": ":".join(f"{k}={v}" for k, v in params.items()),
    }
    frame = av.VideoFrame(w, h, pix_fmt)
    for dst, src in zip(frame.planes, planes, strict=True):
        plane = np.frombuffer(dst, np.uint8)  # type: ignore[call-overload]  # PyAV planes are buffers
        plane.reshape(dst.height, dst.line_size)[:, : src.shape[1]] = src
    frame.pts = 0
    packets = [*ctx.encode(frame), *ctx.encode(None)]
    return b"".join(bytes(p) for p in packets)


def hevc_decode(access_unit: bytes) -> list[np.ndarray]:
    """Decode one access unit (parameter sets and the slices of one picture) to its planes,
    uint8, or uint16 above 8 bits.

    Raises HevcDecodeError where FFmpeg finds an error (``err_detect=explode``: fail rather
    than conceal). Slice data cut short goes unnoticed by FFmpeg, which is why our files
    record picture_data_length.
    """
    ctx = av.CodecContext.create("hevc", "r")
    ctx.thread_count = 1
    ctx.options = {"err_detect": "explode"}
    try:
        frames = [*ctx.decode(av.Packet(access_unit)), *ctx.decode(None)]
    except av.FFmpegError as exc:
        raise HevcDecodeError(str(exc)) from None
    if not frames:
        raise HevcDecodeError("no picture decoded")
    return _planes(frames[0])


def _planes(frame: av.VideoFrame) -> list[np.ndarray]:
    dtype = np.uint16 if frame.format.components[0].bits > 8 else np.uint8
    out = []
    for plane in frame.planes:
        row = plane.line_size // np.dtype(dtype).itemsize
        samples = np.frombuffer(plane, dtype)  # type: ignore[call-overload]  # PyAV planes are buffers
        out.append(samples.reshape(plane.height, row)[:, : plane.width].copy())
    return out
