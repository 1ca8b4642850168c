"""BPG (Better Portable Graphics) output without libbpg: our own muxer, demuxer and HEVC glue.

Encoding uses PyAV's libx265 (or bpgenc when installed); decoding rebuilds the parameter sets
BPG strips and runs FFmpeg's HEVC decoder (or bpgdec). FFmpeg loads only when a picture is
encoded or decoded.
"""

from vpjnd_cli.codecs.bpg.codec import BpgCodec
from vpjnd_cli.codecs.bpg.reader import BpgPicture, read_bpg

__all__ = ["BpgCodec", "BpgPicture", "read_bpg"]
