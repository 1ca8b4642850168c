"""The codec registry: codec names, their file extensions, and lazy loading of codec modules.

Codec modules pull in heavy libraries (OpenCV, pillow-heif, mozjpeg, libavif), so a module is
imported only when its codec is asked for and ``import vpjnd_cli.codecs`` stays cheap. The
extensions live here, not only on the classes, so that choosing a codec from an output path
imports nothing. Adding a codec = one module defining a Codec subclass + one line below.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from vpjnd_cli.errors import ToolMissingError, UsageError

if TYPE_CHECKING:
    from vpjnd_cli.codecs.base import Codec, CodecOptions


class _Entry(NamedTuple):
    target: str  # "package.module:ClassName"
    extensions: tuple[str, ...]  # lower case, with the dot; the first is the default
    formats: tuple[str, ...]  # what Pillow and imageio's loader (load.SUPPORTED_FORMATS) call its files


_REGISTRY: dict[str, _Entry] = {
    "jpeg": _Entry("vpjnd_cli.codecs.jpeg:JpegCodec", (".jpg", ".jpeg", ".jpe", ".jfif"), ("JPEG", "MPO")),
    "bpg": _Entry("vpjnd_cli.codecs.bpg:BpgCodec", (".bpg",), ("BPG",)),
    "heic": _Entry("vpjnd_cli.codecs.heic:HeicCodec", (".heic", ".heif"), ("HEIF", "HEIC/HEIF")),
    "avif": _Entry("vpjnd_cli.codecs.avif:AvifCodec", (".avif",), ("AVIF",)),
    "webp": _Entry("vpjnd_cli.codecs.webp:WebpCodec", (".webp",), ("WEBP",)),
    "jxl": _Entry("vpjnd_cli.codecs.jxl:JxlCodec", (".jxl",), ("JXL", "JPEG XL")),
}


def available_codecs() -> list[str]:
    """Registered codec names, in registry order (JPEG, the default output, first)."""
    return list(_REGISTRY)


def codec_extensions(name: str) -> tuple[str, ...]:
    """The extensions registered for a codec, without importing it."""
    return _entry(name).extensions


def get_codec(name: str, options: CodecOptions | None = None) -> Codec:
    """An instance of the named codec; its module is imported on first use.

    A codec whose library is not installed raises ToolMissingError (exit code 3), not ImportError.
    """
    module_name, class_name = _entry(name).target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ToolMissingError(f"the {name.lower()} codec cannot be loaded: {err}") from err
    codec: Codec = getattr(module, class_name)(options)
    return codec


def codec_for_path(path: str | Path) -> str:
    """The codec name that writes files with this path's extension (case-insensitive)."""
    suffix = Path(path).suffix.lower()
    for name, entry in _REGISTRY.items():
        if suffix in entry.extensions:
            return name
    known = ", ".join(ext for entry in _REGISTRY.values() for ext in entry.extensions)
    shown = repr(suffix) if suffix else "no extension"
    raise UsageError(f"cannot tell the output format from {shown}; supported extensions: {known}", path)


def codec_for_format(file_format: str) -> str | None:
    """The codec that writes files of a loaded picture's format ("JPEG", "HEIF", ...), or None
    (PNG, TIFF, ...: formats vpjnd reads but does not write)."""
    for name, entry in _REGISTRY.items():
        if file_format.upper() in entry.formats:
            return name
    return None


def _entry(name: str) -> _Entry:
    entry = _REGISTRY.get(name.lower())
    if entry is None:
        raise UsageError(f"unknown codec {name!r}; choose one of: {', '.join(_REGISTRY)}")
    return entry
