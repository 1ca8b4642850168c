"""HEVC Annex-B streams <-> the BPG form: NAL splitting, the hevc_header, rebuilt VPS/SPS.

A BPG file keeps only the few SPS fields that an intra picture's slices depend on (the
hevc_header) and drops the VPS and SPS; a reader rebuilds both from the header and the
picture size with the fixed values the BPG specification assumes. Fields that only inter
pictures use (AMP, temporal MVP, POC length, inter transform depth) get those fixed values,
which is why any x265 preset decodes identically after the round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpjnd_cli.codecs.bpg.bits import BitReader, BitWriter, escape, unescape

NAL_VPS, NAL_SPS, NAL_AUD = 32, 33, 35
NAL_SEI_PREFIX, NAL_SEI_SUFFIX = 39, 40
_DROPPED_NALS = frozenset({NAL_VPS, NAL_SPS, NAL_AUD, NAL_SEI_PREFIX, NAL_SEI_SUFFIX})
_LEVEL_IDC = 186  # level 6.2, the highest: the rebuilt stream must not declare a size limit
_LOG2_MAX_POC_LSB_MINUS4 = 4  # BPG's fixed log2_max_pic_order_cnt_lsb = 8


def split_nals(stream: bytes) -> list[bytes]:
    """NAL units of an Annex-B stream; the first unit may lack its start code (BPG hevc_data).

    Emulation prevention guarantees ``00 00 01`` never occurs inside a NAL unit, and a unit
    never ends in a zero byte, so trailing zeros belong to the next (4-byte) start code.
    """
    return [unit for part in stream.split(b"\x00\x00\x01") if (unit := part.rstrip(b"\x00"))]


def first_picture(nals: list[bytes]) -> list[bytes]:
    """The NAL units up to the end of the first picture (animations hold more pictures).

    A picture's first slice segment has first_slice_segment_in_pic_flag, the top bit after the
    two-byte NAL header; VCL NAL unit types are 0..31.
    """
    seen_slice = False
    for i, nal in enumerate(nals):
        if nal_type(nal) < 32 and len(nal) > 2 and nal[2] & 0x80:
            if seen_slice:
                return nals[:i]
            seen_slice = True
    return nals


def join_nals(nals: list[bytes]) -> bytes:
    """An Annex-B stream: each NAL unit behind a 4-byte start code."""
    return b"".join(b"\x00\x00\x00\x01" + nal for nal in nals)


def nal_type(nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F


def nal_layer(nal: bytes) -> int:
    """nuh_layer_id: 0 for the colour picture, 1 for BPG's alpha picture."""
    return ((nal[0] & 1) << 5) | (nal[1] >> 3)


def with_layer(nal: bytes, layer: int) -> bytes:
    """The NAL unit with its nuh_layer_id replaced (alpha units are decoded as a base layer)."""
    first = (nal[0] & 0xFE) | (layer >> 5)
    second = ((layer & 0x1F) << 3) | (nal[1] & 0x07)
    return bytes((first, second)) + nal[2:]


@dataclass(frozen=True)
class PcmParams:
    sample_bit_depth_luma_minus1: int
    sample_bit_depth_chroma_minus1: int
    log2_min_pcm_cb_size_minus3: int
    log2_diff_max_min_pcm_cb_size: int
    loop_filter_disabled: bool


@dataclass(frozen=True)
class HevcHeader:
    """The SPS fields a BPG file keeps, in the order of its hevc_header."""

    log2_min_cb_size_minus3: int
    log2_diff_max_min_cb_size: int
    log2_min_tb_size_minus2: int
    log2_diff_max_min_tb_size: int
    max_transform_hierarchy_depth_intra: int
    sample_adaptive_offset: bool
    pcm: PcmParams | None
    strong_intra_smoothing: bool
    extension_flags: int | None = None  # the 8 bits after sps_extension_present_flag (MSB: range)
    range_extension_flags: int = 0  # the 9 sps_range_extension flags, when the range bit is set

    @property
    def min_cb_size(self) -> int:
        return 1 << (self.log2_min_cb_size_minus3 + 3)

    @property
    def has_range_extension(self) -> bool:
        return self.extension_flags is not None and bool(self.extension_flags & 0x80)

    def write_block_sizes(self, w: BitWriter) -> None:
        """The coding and transform block sizes, coded alike in the hevc_header and the SPS."""
        w.ue(self.log2_min_cb_size_minus3)
        w.ue(self.log2_diff_max_min_cb_size)
        w.ue(self.log2_min_tb_size_minus2)
        w.ue(self.log2_diff_max_min_tb_size)

    def to_bytes(self) -> bytes:
        """The hevc_header payload (its ue7 length prefix is the container's business)."""
        w = BitWriter()
        self.write_block_sizes(w)
        w.ue(self.max_transform_hierarchy_depth_intra)
        w.flag(self.sample_adaptive_offset)
        self.write_pcm(w)
        w.flag(self.strong_intra_smoothing)
        self.write_extension(w)
        return w.to_bytes()

    @classmethod
    def from_bytes(cls, payload: bytes) -> HevcHeader:
        """Parse a hevc_header payload; raises bits.TruncatedError if it is cut short."""
        r = BitReader(payload)
        cb, cb_diff, tb, tb_diff, depth_intra = (r.ue() for _ in range(5))
        sao = r.flag()
        pcm = _read_pcm(r)
        strong = r.flag()
        ext, range_ext = _read_extension(r)
        return cls(cb, cb_diff, tb, tb_diff, depth_intra, sao, pcm, strong, ext, range_ext)

    def write_pcm(self, w: BitWriter) -> None:
        w.flag(self.pcm is not None)
        if self.pcm is not None:
            w.u(self.pcm.sample_bit_depth_luma_minus1, 4)
            w.u(self.pcm.sample_bit_depth_chroma_minus1, 4)
            w.ue(self.pcm.log2_min_pcm_cb_size_minus3)
            w.ue(self.pcm.log2_diff_max_min_pcm_cb_size)
            w.flag(self.pcm.loop_filter_disabled)

    def write_extension(self, w: BitWriter) -> None:
        w.flag(self.extension_flags is not None)
        if self.extension_flags is not None:
            w.u(self.extension_flags, 8)
            if self.has_range_extension:
                w.u(self.range_extension_flags, 9)


def _read_pcm(r: BitReader) -> PcmParams | None:
    if not r.flag():
        return None
    return PcmParams(r.u(4), r.u(4), r.ue(), r.ue(), r.flag())


def _read_extension(r: BitReader) -> tuple[int | None, int]:
    if not r.flag():
        return None, 0
    flags = r.u(8)
    return flags, (r.u(9) if flags & 0x80 else 0)


@dataclass(frozen=True)
class SpsInfo:
    """What the encoder's SPS says beyond the hevc_header, checked against the BPG assumptions."""

    chroma_format_idc: int
    width: int
    height: int
    bit_depth: int
    header: HevcHeader


def parse_sps(nal: bytes) -> SpsInfo:
    """Read an encoder's SPS NAL unit; raises ValueError where it breaks a BPG assumption."""
    r = BitReader(unescape(nal[2:]))
    r.u(4)  # sps_video_parameter_set_id
    if r.u(3) != 0:
        raise ValueError("SPS with temporal sub-layers")
    r.u(1)
    _skip_profile_tier_level(r)
    r.ue()  # sps_seq_parameter_set_id
    chroma_format_idc = r.ue()
    if chroma_format_idc == 3 and r.flag():
        raise ValueError("SPS with separate colour planes")
    width, height = r.ue(), r.ue()
    if r.flag():
        raise ValueError("SPS with a conformance window (the picture must be padded first)")
    bit_depth, bit_depth_chroma = r.ue() + 8, r.ue() + 8
    if bit_depth != bit_depth_chroma:
        raise ValueError("SPS with different luma and chroma bit depths")
    r.ue()  # log2_max_pic_order_cnt_lsb_minus4: IDR slices do not code the POC
    r.flag()  # sps_sub_layer_ordering_info_present_flag: one sub-layer either way
    r.ue(), r.ue(), r.ue()  # DPB size, reordering, latency
    cb, cb_diff, tb, tb_diff = (r.ue() for _ in range(4))
    r.ue()  # max_transform_hierarchy_depth_inter: BPG assumes the intra value
    depth_intra = r.ue()
    if r.flag():
        raise ValueError("SPS with scaling lists")
    r.flag()  # amp_enabled_flag: inter only
    sao = r.flag()
    pcm = _read_pcm(r)
    if r.ue() != 0:
        raise ValueError("SPS with short-term reference picture sets")
    if r.flag():
        raise ValueError("SPS with long-term reference pictures")
    r.flag()  # sps_temporal_mvp_enabled_flag: inter only
    strong = r.flag()
    if r.flag():
        _skip_vui(r)
    ext, range_ext = _read_extension(r)
    if ext is not None and ext & 0x7F:
        raise ValueError("SPS with extensions other than the range extension")
    header = HevcHeader(cb, cb_diff, tb, tb_diff, depth_intra, sao, pcm, strong, ext, range_ext)
    return SpsInfo(chroma_format_idc, width, height, bit_depth, header)


def _skip_profile_tier_level(r: BitReader) -> None:
    """profile_tier_level(1, 0): 88 bits of profile/constraints, then general_level_idc."""
    r.u(88)
    r.u(8)


def _skip_vui(r: BitReader) -> None:
    """Skip vui_parameters() (x265 writes one for the colour description); no HRD allowed."""
    if r.flag() and r.u(8) == 255:  # aspect_ratio_idc 255 = explicit SAR
        r.u(32)
    if r.flag():
        r.flag()  # overscan_appropriate_flag
    if r.flag():  # video_signal_type_present_flag
        r.u(4)
        if r.flag():
            r.u(24)  # colour_primaries, transfer_characteristics, matrix_coeffs
    if r.flag():
        r.ue(), r.ue()  # chroma sample locations
    r.u(3)  # neutral_chroma_indication, field_seq, frame_field_info_present
    if r.flag():
        for _ in range(4):
            r.ue()  # default display window
    if r.flag():  # vui_timing_info_present_flag
        r.u(64)
        if r.flag():
            r.ue()
        if r.flag():
            raise ValueError("SPS VUI with HRD parameters")
    if r.flag():  # bitstream_restriction_flag
        r.u(3)
        for _ in range(5):
            r.ue()


def _write_profile_tier_level(w: BitWriter, chroma_format_idc: int, bit_depth: int) -> None:
    """Main / Main 10 for 4:2:0 up to 10 bits, else format range extensions (profile 4)."""
    if chroma_format_idc == 1 and bit_depth <= 10:
        profile = 1 if bit_depth == 8 else 2
    else:
        profile = 4
    w.u(0, 2)  # general_profile_space
    w.u(0, 1)  # general_tier_flag
    w.u(profile, 5)
    w.u(1 << (31 - profile), 32)  # general_profile_compatibility_flag[profile]
    w.u(0b1001, 4)  # progressive source, not interlaced, packed allowed, frame only
    w.u(0, 44)  # constraint flags, reserved bits
    w.u(_LEVEL_IDC, 8)


def _nal(nal_type_: int, rbsp: bytes) -> bytes:
    return bytes((nal_type_ << 1, 1)) + escape(rbsp)


def build_vps(chroma_format_idc: int, bit_depth: int) -> bytes:
    """A VPS NAL unit with BPG's assumptions: id 0, one layer, one sub-layer, no timing."""
    w = BitWriter()
    w.u(0, 4)  # vps_video_parameter_set_id
    w.u(0b11, 2)  # base layer internal and available
    w.u(0, 6)  # vps_max_layers_minus1
    w.u(0, 3)  # vps_max_sub_layers_minus1
    w.flag(True)  # vps_temporal_id_nesting_flag
    w.u(0xFFFF, 16)
    _write_profile_tier_level(w, chroma_format_idc, bit_depth)
    w.flag(True)  # vps_sub_layer_ordering_info_present_flag
    _write_dpb_info(w)
    w.u(0, 6)  # vps_max_layer_id
    w.ue(0)  # vps_num_layer_sets_minus1
    w.flag(False)  # vps_timing_info_present_flag
    w.flag(False)  # vps_extension_flag
    return _nal(NAL_VPS, w.to_bytes(rbsp_trailing=True))


def _write_dpb_info(w: BitWriter) -> None:
    """Room for one reference picture (animations are P frames), no reordering."""
    w.ue(1)  # max_dec_pic_buffering_minus1
    w.ue(0)  # max_num_reorder_pics
    w.ue(0)  # max_latency_increase_plus1


def coded_size(width: int, height: int, header: HevcHeader) -> tuple[int, int]:
    """The picture size rounded up to the minimum coding block: what the rebuilt SPS codes."""
    cb = header.min_cb_size
    return -(-width // cb) * cb, -(-height // cb) * cb


def build_sps(header: HevcHeader, width: int, height: int, chroma_format_idc: int, bit_depth: int) -> bytes:
    """An SPS NAL unit from the hevc_header for a picture of the given true size (the coded
    size is rounded up to the minimum coding block; the caller crops after decoding)."""
    coded_width, coded_height = coded_size(width, height, header)
    w = BitWriter()
    w.u(0, 4)  # sps_video_parameter_set_id
    w.u(0, 3)  # sps_max_sub_layers_minus1
    w.flag(True)  # sps_temporal_id_nesting_flag
    _write_profile_tier_level(w, chroma_format_idc, bit_depth)
    w.ue(0)  # sps_seq_parameter_set_id
    w.ue(chroma_format_idc)
    if chroma_format_idc == 3:
        w.flag(False)  # separate_colour_plane_flag
    w.ue(coded_width)
    w.ue(coded_height)
    w.flag(False)  # conformance_window_flag
    w.ue(bit_depth - 8)
    w.ue(bit_depth - 8)
    w.ue(_LOG2_MAX_POC_LSB_MINUS4)
    w.flag(True)  # sps_sub_layer_ordering_info_present_flag
    _write_dpb_info(w)
    header.write_block_sizes(w)
    w.ue(header.max_transform_hierarchy_depth_intra)  # inter depth = intra depth
    w.ue(header.max_transform_hierarchy_depth_intra)
    w.flag(False)  # scaling_list_enabled_flag
    w.flag(True)  # amp_enabled_flag
    w.flag(header.sample_adaptive_offset)
    header.write_pcm(w)
    w.ue(0)  # num_short_term_ref_pic_sets
    w.flag(False)  # long_term_ref_pics_present_flag
    w.flag(True)  # sps_temporal_mvp_enabled_flag
    w.flag(header.strong_intra_smoothing)
    w.flag(False)  # vui_parameters_present_flag
    header.write_extension(w)
    return _nal(NAL_SPS, w.to_bytes(rbsp_trailing=True))


def to_bpg_parts(stream: bytes, alpha: bytes | None = None) -> tuple[SpsInfo, SpsInfo | None, bytes]:
    """An encoder's Annex-B stream, and optionally its alpha picture's -> (the SPS facts of
    each, BPG hevc_data).

    hevc_data keeps every NAL unit but VPS, SPS, SEI and AUD, joined by 3-byte start codes,
    without the first start code: it begins with a PPS NAL header. The alpha picture's units
    carry nuh_layer_id 1 and come first in each group, as bpgenc writes them: the two PPS,
    then the two pictures' slices.
    """
    sps, nals = _bpg_nals(stream)
    if alpha is None:
        return sps, None, b"\x00\x00\x01".join(nals)
    alpha_sps, alpha_nals = _bpg_nals(alpha)
    alpha_nals = [with_layer(nal, 1) for nal in alpha_nals]
    groups = [[nal for nal in units if (nal_type(nal) < 32) == vcl] for vcl in (False, True) for units in
              (alpha_nals, nals)]
    return sps, alpha_sps, b"\x00\x00\x01".join(nal for group in groups for nal in group)


def _bpg_nals(stream: bytes) -> tuple[SpsInfo, list[bytes]]:
    nals = split_nals(stream)
    sps = [nal for nal in nals if nal_type(nal) == NAL_SPS]
    if len(sps) != 1:
        raise ValueError(f"expected one SPS in the encoder's stream, found {len(sps)}")
    return parse_sps(sps[0]), [nal for nal in nals if nal_type(nal) not in _DROPPED_NALS]


def to_annexb(
    header: HevcHeader, nals: list[bytes], width: int, height: int, chroma_format_idc: int, bit_depth: int
) -> bytes:
    """A decodable Annex-B stream: rebuilt VPS and SPS, then the file's NAL units."""
    vps = build_vps(chroma_format_idc, bit_depth)
    sps = build_sps(header, width, height, chroma_format_idc, bit_depth)
    return join_nals([vps, sps, *nals])
