"""Bit-level reading and writing for HEVC parameter sets and BPG hevc_headers.

HEVC codes most syntax elements as fixed-width unsigned fields u(n) or unsigned exp-Golomb
codes ue(v), most significant bit first; NAL payloads additionally escape ``00 00 0x`` (x <= 3)
with an emulation prevention byte, which ``unescape``/``escape`` remove and insert.
"""

from __future__ import annotations


class TruncatedError(ValueError):
    """A read ran past the end of the data (the caller knows which file part that was)."""


class BitReader:
    """Reads u(n) and ue(v) fields from bytes, MSB first."""

    def __init__(self, data: bytes) -> None:
        self._value = int.from_bytes(data, "big")
        self._size = 8 * len(data)
        self.pos = 0

    @property
    def bits_left(self) -> int:
        return self._size - self.pos

    def u(self, n: int) -> int:
        """An n-bit unsigned field."""
        if n > self.bits_left:
            raise TruncatedError(f"needs {n} bits, {self.bits_left} left")
        self.pos += n
        return (self._value >> (self._size - self.pos)) & ((1 << n) - 1)

    def flag(self) -> bool:
        return bool(self.u(1))

    def ue(self) -> int:
        """An unsigned exp-Golomb code: z zero bits, a one, then z info bits; value 2**z - 1 + info."""
        zeros = 0
        while not self.u(1):
            zeros += 1
            if zeros > 32:
                raise ValueError("exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.u(zeros)


class BitWriter:
    """Collects u(n) and ue(v) fields, MSB first."""

    def __init__(self) -> None:
        self._value = 0
        self.size = 0

    def u(self, value: int, n: int) -> None:
        if not 0 <= value < (1 << n):
            raise ValueError(f"{value} does not fit in {n} bits")
        self._value = (self._value << n) | value
        self.size += n

    def flag(self, value: bool) -> None:
        self.u(int(value), 1)

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code, 2 * code.bit_length() - 1)  # leading zeros are implied by the width

    def to_bytes(self, rbsp_trailing: bool = False) -> bytes:
        """The bits padded with zeros to a byte boundary, after a stop bit if ``rbsp_trailing``."""
        value, size = self._value, self.size
        if rbsp_trailing:
            value, size = (value << 1) | 1, size + 1
        pad = -size % 8
        return (value << pad).to_bytes((size + pad) // 8, "big")


def unescape(payload: bytes) -> bytes:
    """NAL payload -> RBSP: drop each emulation prevention byte (the 03 in ``00 00 03``)."""
    out = bytearray()
    zeros = 0
    for byte in payload:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def escape(rbsp: bytes) -> bytes:
    """RBSP -> NAL payload: insert 03 wherever two zero bytes precede a byte <= 3."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)
