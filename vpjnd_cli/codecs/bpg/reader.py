"""Our BPG decoder: demux, rebuild VPS/SPS, decode with FFmpeg's HEVC decoder, convert to RGB.

Needs no libbpg. Animated files give their first picture.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vpjnd_cli.codecs.bpg import colour, hevc
from vpjnd_cli.codecs.bpg.container import BpgFile, BpgHeader, PixelFormat, demux
from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio.metadata import Metadata


@dataclass(frozen=True)
class BpgPicture:
    """A decoded BPG picture: straight (not premultiplied) RGB, optional alpha, metadata."""

    rgb: np.ndarray  # HxWx3 uint8
    alpha: np.ndarray | None  # HxW uint8, 255 = opaque
    metadata: Metadata
    header: BpgHeader


def read_bpg(data: bytes) -> BpgPicture:
    """Decode a BPG file's (first) picture; any defect raises InputError."""
    bpg = demux(data)
    if bpg.header.cmyk:
        raise InputError("unsupported BPG file: CMYK pictures are not supported")
    planes, alpha_plane = decode_planes(bpg)
    rgb = colour.planes_to_rgb(planes, bpg.header)
    alpha = None if alpha_plane is None else colour.alpha_to_uint8(alpha_plane, bpg.header)
    if alpha is not None and bpg.header.premultiplied:
        rgb = colour.unpremultiply(rgb, alpha)
    return BpgPicture(rgb, alpha, bpg.metadata, bpg.header)


def decode_planes(bpg: BpgFile) -> tuple[list[np.ndarray], np.ndarray | None]:
    """The first picture's decoded planes at the coded size: (colour planes, alpha plane or None).

    The alpha picture's NAL units (nuh_layer_id 1) are decoded as a separate monochrome
    stream with their own rebuilt parameter sets.
    """
    from vpjnd_cli.codecs.bpg import (
        libav,  # loads FFmpeg: only when a picture is decoded
    )

    h = bpg.header
    nals = hevc.split_nals(bpg.hevc_data)
    if any(len(nal) < 2 for nal in nals):
        raise InputError("corrupt BPG file: a NAL unit shorter than its header")
    colour_nals = [nal for nal in nals if hevc.nal_layer(nal) == 0]
    streams = [_stream(bpg.hevc_header, colour_nals, h, h.pixel_format.chroma_format_idc)]
    if bpg.alpha_hevc_header is not None:
        alpha_nals = [hevc.with_layer(nal, 0) for nal in nals if hevc.nal_layer(nal) == 1]
        streams.append(_stream(bpg.alpha_hevc_header, alpha_nals, h, PixelFormat.GRAY.chroma_format_idc))
    try:
        decoded = [libav.hevc_decode(stream) for stream in streams]
    except libav.HevcDecodeError as exc:
        raise InputError(f"corrupt BPG file: the HEVC data does not decode ({exc})") from None
    return decoded[0], (decoded[1][0] if len(decoded) > 1 else None)


def _stream(header_bytes: bytes, nals: list[bytes], h: BpgHeader, chroma_format_idc: int) -> bytes:
    try:
        header = hevc.HevcHeader.from_bytes(header_bytes)
    except ValueError:  # bits.TruncatedError included
        raise InputError("invalid BPG file: unreadable hevc_header") from None
    if not nals:
        raise InputError("corrupt BPG file: no HEVC data for a picture")
    picture = hevc.first_picture(nals)
    return hevc.to_annexb(header, picture, h.width, h.height, chroma_format_idc, h.bit_depth)
