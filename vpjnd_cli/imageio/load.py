"""Load any supported picture as oriented sRGB pixels plus alpha and re-embeddable metadata.

Every command reads its inputs through ``load_image`` so that all of them accept the same
formats, apply EXIF orientation and ICC profiles the same way, and fail with the same
one-line errors (``InputError``, exit code 2).
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from vpjnd_cli.chatter import Chatter, captured
from vpjnd_cli.errors import InputError, VpjndError
from vpjnd_cli.imageio.icc import (
    convert_to_srgb,
    is_srgb,
    profile_description,
    srgb_profile,
)
from vpjnd_cli.imageio.integrity import check_decoded, check_hevc_budget, check_integrity
from vpjnd_cli.imageio.metadata import EXIF_PREFIX, Metadata
from vpjnd_cli.imageio.orientation import ORIENTATION_TAG, apply_orientation
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS

# Pillow format name -> what users call it. MPO is the multi-picture JPEG many cameras write.
SUPPORTED_FORMATS = {
    "PNG": "PNG",
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "TIFF": "TIFF",
    "BMP": "BMP",
    "WEBP": "WebP",
    "AVIF": "AVIF",
    "HEIF": "HEIC/HEIF",
    "GIF": "GIF",
    "PPM": "PNM",
    "JXL": "JPEG XL",
}
SUPPORTED_LIST = "PNG, JPEG, TIFF, BMP, WebP, AVIF, HEIC/HEIF, JPEG XL, GIF, PNM, BPG"

# Formats Pillow cannot identify but users may try: name them instead of "unknown format".
_KNOWN_SIGNATURES = (
    (b"%PDF", "PDF document"),
    (b"8BPS", "Photoshop PSD"),
)
BPG_MAGIC = b"BPG\xfb"
# Supported formats by their first bytes: a file that starts like one but does not open is damaged.
_SUPPORTED_SIGNATURES = (
    (re.compile(rb"\x89PNG\r\n\x1a\n"), "PNG"),
    (re.compile(rb"\xff\xd8\xff"), "JPEG"),
    (re.compile(rb"II\*\x00|MM\x00\*"), "TIFF"),
    (re.compile(rb"BM"), "BMP"),
    (re.compile(rb"RIFF....WEBP", re.DOTALL), "WebP"),
    (re.compile(rb"....ftyp(avif|avis)", re.DOTALL), "AVIF"),
    (re.compile(rb"....ftyp(heic|heix|heim|heis|hevc|hevx|mif1|msf1)", re.DOTALL), "HEIC/HEIF"),
    (re.compile(rb"\xff\x0a|\x00\x00\x00\x0cJXL \r\n\x87\n"), "JPEG XL"),
    (re.compile(rb"GIF8[79]a"), "GIF"),
    (re.compile(rb"P[1-6]\s"), "PNM"),
)
# What Pillow's TIFF reader only warns about: tag data beyond the end of the file.
_TIFF_TRUNCATION = ("Truncated File Read", "larger than file", "Expecting to read")
_MAX_DETAIL = 160  # characters of a library's own words quoted in an error
Image.MAX_IMAGE_PIXELS = None  # --max-pixels replaces Pillow's fixed limit (and its warning), here and in the codecs
_XMP_ORIENTATION = re.compile(rb'(tiff:Orientation(?:="|>))[1-8]')


@dataclass
class LoadedImage:
    """A picture as every command sees it.

    rgb: HxWx3 uint8, sRGB, EXIF orientation applied. alpha: HxW uint8 straight alpha, or
    None when the source has none or is fully opaque. is_grey: the source had no colour.
    bit_depth: bits per sample of the source (16-bit sources are rounded to 8 bits).
    """

    path: str
    format: str
    rgb: np.ndarray
    alpha: np.ndarray | None
    is_grey: bool
    bit_depth: int
    metadata: Metadata
    icc_description: str = ""
    icc_converted: bool = False  # the pixels were converted from the source profile to sRGB
    orientation: int = 1
    frames: int = 1
    warnings: list[str] = field(default_factory=list)
    # The same pixels before that conversion, in the embedded RGB profile (None: not converted,
    # or a grey or CMYK source, which only sRGB outputs can hold).
    profile_rgb: np.ndarray | None = None

    def metadata_to_write(self, in_profile: bool = False) -> Metadata:
        """Metadata for an output of the sRGB pixels, or with ``in_profile`` of ``profile_rgb``:
        a profile the written pixels are not in is replaced by sRGB's, since embedding it would
        tell viewers the wrong colours."""
        if not self.icc_converted or (in_profile and self.profile_rgb is not None):
            return self.metadata
        return replace(self.metadata, icc=srgb_profile())

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def load_image(
    path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, strict: bool = False, data: bytes | None = None
) -> LoadedImage:
    """Read, validate and normalise one picture; raise InputError naming the file and the cause.

    ``max_pixels`` guards against decompression bombs (checked on the header, before any
    pixel is decoded; 0 disables it). With ``strict``, an animated or multi-page input is an
    error instead of "first frame with a warning". ``data``: the file's bytes when the caller
    already holds them (standard input, or a file it had to read anyway); ``path`` then only
    names the picture in messages.
    """
    path = Path(path)
    if data is None:
        data = read_file(path)
    elif not data:
        raise InputError("empty file (0 bytes)", path)
    notes: list[str] = []
    read = _decode_bpg if data.startswith(BPG_MAGIC) else _decode_with_pillow
    try:
        with captured() as chatter:
            try:
                picture = _finish(path, read(path, data, max_pixels=max_pixels, strict=strict, chatter=chatter,
                                             notes=notes), notes)
            except VpjndError:
                raise
            except MemoryError as exc:
                raise InputError("not enough memory to decode this picture", path) from exc
            except Exception as exc:  # a decoding library's error, whatever its type
                raise InputError(f"truncated or corrupt data ({_library_cause(exc, chatter)})", path) from exc
    except InputError as error:
        raise InputError(error.message, path) from error
    picture.warnings.extend(f"{path}: {message}" for message in chatter.warnings())
    return picture


def read_file(path: Path) -> bytes:
    """A picture file's bytes, or an InputError that says why they cannot be read."""
    try:
        if path.is_dir():
            raise InputError("is a directory, not a picture", path)
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("no such file", path) from exc
    except PermissionError as exc:
        raise InputError("permission denied (cannot read the file)", path) from exc
    except IsADirectoryError as exc:
        raise InputError("is a directory, not a picture", path) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path) from exc
    if not data:
        raise InputError("empty file (0 bytes)", path)
    return data


def _register_plugins() -> None:
    """HEIF and JPEG XL readers for Pillow (imported here: they load libheif and libjxl)."""
    import pillow_jxl  # noqa: F401  (registers on import)
    from pillow_heif import register_heif_opener

    register_heif_opener()


def _claimed_format(data: bytes) -> str | None:
    """The supported format whose signature ``data`` starts with, if any."""
    return next((name for signature, name in _SUPPORTED_SIGNATURES if signature.match(data)), None)


def _unidentified_message(path: Path, data: bytes, chatter: Chatter) -> str:
    for signature, name in _KNOWN_SIGNATURES:
        if data.startswith(signature):
            return f"unsupported format: {name} (supported: {SUPPORTED_LIST})"
    claimed = _claimed_format(data)
    if claimed is not None:
        said = "; ".join(chatter.lines()[:2])
        return f"truncated or corrupt {claimed} file (its header cannot be read{': ' + said if said else ''})"
    head = data[:512]
    if head.lstrip().startswith((b"<?xml", b"<svg")) and b"<svg" in head:
        return f"unsupported format: SVG vector graphics (supported: {SUPPORTED_LIST})"
    suffix = path.suffix.lower().lstrip(".")
    claimed = f"not a valid {suffix.upper()} file: " if suffix else ""
    if _looks_like_text(head):
        return f"{claimed}the content is text, not a picture"
    return f"{claimed}the content is not a recognised image format (supported: {SUPPORTED_LIST})"


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(ch >= 0x20 or ch in b"\t\r\n\f" for ch in head)


@dataclass
class _Decoded:
    """What a format reader hands over before colour management and orientation."""

    format: str
    pixels: np.ndarray  # HxW grey, HxWx3 colour or HxWx4 CMYK, uint8
    alpha: np.ndarray | None
    bit_depth: int
    exif: Image.Exif
    icc: bytes | None
    xmp: bytes | None
    frames: int


def _check_size(path: Path, width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise InputError(f"invalid picture size {width}x{height}", path)
    if max_pixels and width * height > max_pixels:
        raise InputError(
            f"picture too large: {width}x{height} = {width * height:,} pixels exceeds the limit of "
            f"{max_pixels:,} (a decompression bomb guard; raise it with --max-pixels)",
            path,
        )


def _check_frames(path: Path, frames: int | None, strict: bool, notes: list[str]) -> None:
    """``frames`` None: animated with an unknown frame count."""
    if frames is not None and frames <= 1:
        return
    count = "several" if frames is None else str(frames)
    if strict:
        raise InputError(f"animated or multi-page picture ({count} frames) refused by --strict", path)
    notes.append(f"{path}: {count} frames, only the first one is used")


def _library_cause(error: BaseException, chatter: Chatter) -> str:
    """A decoding library's own words for a failure, on one line: its exception and what it wrote to stderr."""
    said = [str(error) or type(error).__name__, *chatter.lines()]
    text = "; ".join(dict.fromkeys(said))
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


def _decode_with_pillow(
    path: Path, data: bytes, *, max_pixels: int, strict: bool, chatter: Chatter, notes: list[str]
) -> _Decoded:
    """Pillow (and its HEIF and JPEG XL plug-ins, and OpenCV for 16-bit colour) after the header and
    integrity checks."""
    _register_plugins()
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is an error, never padded
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise InputError(_unidentified_message(path, data, chatter), path) from exc
    except Exception as exc:  # plug-ins raise anything on a corrupt header
        claimed = _claimed_format(data)
        what = f"truncated or corrupt {claimed} file" if claimed else "corrupt image header"
        raise InputError(f"{what} ({_library_cause(exc, chatter)})", path) from exc
    if image.format not in SUPPORTED_FORMATS:
        raise InputError(f"unsupported format: {image.format} (supported: {SUPPORTED_LIST})", path)
    name = SUPPORTED_FORMATS[image.format]
    _check_size(path, *image.size, max_pixels)
    _check_tiff_warnings(image, chatter)
    check_integrity(image, data)
    frames = _frame_count(image)
    if image.format != "MPO":  # a camera's multi-picture JPEG holds previews, not frames
        _check_frames(path, frames, strict, notes)
    try:
        image.seek(0)
        deep_colour = _is_16bit_colour(image)  # before getexif(), which may decode the pixels
        exif = image.getexif()
        icc = image.info.get("icc_profile") or None
        if not deep_colour:
            image.load()
            check_decoded(image, data)
        pixels, alpha, bit_depth = _decode_16bit_colour(data) if deep_colour else _decode_pixels(image)
        _check_tiff_warnings(image, chatter)
    except InputError:
        raise
    except Exception as exc:  # decoders raise anything on corrupt data
        raise InputError(f"truncated or corrupt {name} data ({_library_cause(exc, chatter)})", path) from exc
    xmp = _jxl_box(data, b"xml ") if image.format == "JXL" else _xmp_packet(image)
    return _Decoded(name, pixels, alpha, bit_depth, exif, icc, xmp, frames)


def _check_tiff_warnings(image: Image.Image, chatter: Chatter) -> None:
    """Pillow reads a TIFF whose tags point past the end of the file with a warning; that is truncation."""
    if image.format != "TIFF":
        return
    for message in chatter.warnings():
        if any(sign in message for sign in _TIFF_TRUNCATION):
            raise InputError(f"truncated or corrupt TIFF file ({message})")


def _decode_bpg(
    path: Path, data: bytes, *, max_pixels: int, strict: bool, chatter: Chatter, notes: list[str]
) -> _Decoded:
    """BPG through our own reader (no libbpg needed); its header is checked before decoding."""
    from vpjnd_cli.codecs.bpg.container import PixelFormat, demux
    from vpjnd_cli.codecs.bpg.reader import read_bpg

    bpg = demux(data)
    header = bpg.header
    _check_size(path, header.width, header.height, max_pixels)
    check_hevc_budget(header.width, header.height, len(bpg.hevc_data), "BPG")
    if header.animation:
        _check_frames(path, None, strict, notes)
    picture = read_bpg(data)
    exif = Image.Exif()
    if picture.metadata.exif:
        exif.load(EXIF_PREFIX + picture.metadata.exif)
    grey = header.pixel_format == PixelFormat.GRAY
    pixels = picture.rgb[..., 0].copy() if grey else picture.rgb
    return _Decoded("BPG", pixels, picture.alpha, header.bit_depth, exif, picture.metadata.icc,
                    picture.metadata.xmp, 1)


def _finish(path: Path, decoded: _Decoded, notes: list[str]) -> LoadedImage:
    """Colour-manage to sRGB, apply the EXIF orientation, gather the metadata to keep."""
    pixels, alpha, icc = decoded.pixels, decoded.alpha, decoded.icc
    orientation = int(decoded.exif.get(ORIENTATION_TAG, 1) or 1)
    is_grey = pixels.ndim == 2
    icc_description = ""
    icc_converted = False
    profile_rgb = None
    if icc is not None:
        icc_description = profile_description(icc)
        if not is_srgb(icc):
            try:
                converted = _to_srgb(pixels, icc)
            except ValueError as exc:
                notes.append(f"{path}: {exc}; colours used as they are")
            else:
                profile_rgb = pixels if pixels.ndim == 3 and pixels.shape[2] == 3 else None
                pixels, icc_converted = converted, True
    if pixels.ndim == 3 and pixels.shape[2] == 4:  # CMYK whose profile was unusable
        pixels = np.asarray(Image.fromarray(pixels, mode="CMYK").convert("RGB"))
    rgb = np.repeat(pixels[..., None], 3, axis=2) if pixels.ndim == 2 else pixels
    if alpha is not None and bool((alpha == 255).all()):
        alpha = None
    rgb = apply_orientation(rgb, orientation)
    alpha = None if alpha is None else apply_orientation(alpha, orientation)
    profile_rgb = None if profile_rgb is None else apply_orientation(profile_rgb, orientation)
    xmp = None if decoded.xmp is None else _XMP_ORIENTATION.sub(rb"\g<1>1", decoded.xmp)
    return LoadedImage(
        path=str(path),
        format=decoded.format,
        rgb=rgb,
        alpha=alpha,
        is_grey=is_grey,
        bit_depth=decoded.bit_depth,
        metadata=Metadata(exif=_exif_without_orientation(decoded.exif), icc=icc, xmp=xmp),
        icc_description=icc_description,
        icc_converted=icc_converted,
        orientation=orientation if 1 <= orientation <= 8 else 1,
        frames=decoded.frames,
        warnings=notes,
        profile_rgb=profile_rgb,
    )


def _frame_count(image: Image.Image) -> int:
    try:
        return int(getattr(image, "n_frames", 1))
    except Exception:  # noqa: BLE001 - a frame after the first is unreadable; the first may still be fine
        return 1


def _decode_pixels(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Pixels as uint8 (HxW grey, HxWx3 colour or HxWx4 CMYK, not yet colour-managed), alpha,
    bits per sample of the source."""
    image.load()
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        return _round_16_to_8(np.asarray(image)), None, 16
    if mode == "F":
        raise InputError("32-bit floating-point pictures are not supported")
    if mode in ("1", "L"):
        return np.asarray(image.convert("L")), None, 8
    if mode in ("LA", "La"):
        la = np.asarray(image.convert("LA"))
        return la[..., 0].copy(), la[..., 1].copy(), 8
    if mode == "CMYK" and image.info.get("icc_profile"):
        return np.asarray(image), None, 8  # CMYK pixels, converted through their profile later
    if mode in ("RGBA", "RGBa", "PA") or (mode in ("P", "L", "RGB") and "transparency" in image.info):
        rgba = np.asarray(image.convert("RGBA"))
        return rgba[..., :3].copy(), rgba[..., 3].copy(), 8
    return np.asarray(image.convert("RGB")), None, 8


def _is_16bit_colour(image: Image.Image) -> bool:
    """Pillow silently truncates 16-bit RGB(A) PNG/TIFF to 8 bits; those go through OpenCV."""
    tile = getattr(image, "tile", None)  # an ImageFile's: how the file stores its pixels
    if image.format not in ("PNG", "TIFF") or image.mode not in ("RGB", "RGBA") or not tile:
        return False
    args = tile[0].args
    rawmode = args[0] if isinstance(args, tuple) else args
    return isinstance(rawmode, str) and ";16" in rawmode


def _decode_16bit_colour(data: bytes) -> tuple[np.ndarray, np.ndarray | None, int]:
    import cv2

    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if decoded is None or decoded.ndim != 3:
        raise ValueError("16-bit colour data could not be decoded")
    pixels = _round_16_to_8(decoded)
    rgb = np.ascontiguousarray(pixels[..., 2::-1])  # OpenCV gives BGR(A)
    alpha = pixels[..., 3].copy() if pixels.shape[2] == 4 else None
    return rgb, alpha, 16


def _round_16_to_8(values: np.ndarray) -> np.ndarray:
    """Map 0..65535 to 0..255 with rounding (v / 257), not the truncating v >> 8."""
    v = np.clip(values.astype(np.uint32), 0, 65535)
    return ((v + 128) // 257).astype(np.uint8)


def _to_srgb(pixels: np.ndarray, icc: bytes) -> np.ndarray:
    if pixels.ndim == 2:
        mode = "L"
    elif pixels.shape[2] == 4:
        mode = "CMYK"
    else:
        mode = "RGB"
    converted = convert_to_srgb(Image.fromarray(pixels, mode=mode), icc)
    return np.asarray(converted)


def _exif_without_orientation(exif: Image.Exif) -> bytes | None:
    if not len(exif):
        return None
    if ORIENTATION_TAG in exif:
        exif[ORIENTATION_TAG] = 1
    raw = exif.tobytes()
    return raw[len(EXIF_PREFIX) :] if raw.startswith(EXIF_PREFIX) else raw


def _jxl_box(data: bytes, kind: bytes) -> bytes | None:
    """The payload of the first box of this type in a JPEG XL container (None: a bare codestream,
    no such box, or only a Brotli-compressed one)."""
    pos = 0
    while pos + 8 <= len(data):
        size, found = struct.unpack_from(">I4s", data, pos)
        start = pos + 8
        if size == 1 and pos + 16 <= len(data):  # a 64-bit size follows the type
            size, start = struct.unpack_from(">Q", data, pos + 8)[0], pos + 16
        end = len(data) if size == 0 else pos + size
        if end < start or end > len(data):
            return None
        if found == kind:
            return data[start:end]
        pos = end
    return None


def _xmp_packet(image: Image.Image) -> bytes | None:
    """The raw XMP packet from wherever this format's Pillow plugin puts it."""
    raw = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
    if raw is None and image.format == "TIFF":
        raw = getattr(image, "tag_v2", {}).get(700)  # XMLPacket
    if not raw:
        return None
    return raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
