"""`vpjnd info`: what the loader makes of a picture (format, size, depth, alpha, colour, metadata)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vpjnd_cli.commands.options import Json, MaxPixels, Strict
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def info_command(
    paths: Annotated[list[Path], typer.Argument(help="Input pictures.", metavar="IN...", readable=False,
                                                show_default=False)],
    json_output: Json = False,
    max_pixels: MaxPixels = DEFAULT_MAX_PIXELS,
    strict: Strict = False,
) -> None:
    """Show how vpjnd reads each picture; exit 1 if some of several inputs are unreadable.

    Examples:

    vpjnd info photo.jpg
    vpjnd info shots/*.heic --json
    """
    from vpjnd_cli.commands.batch import each_picture
    from vpjnd_cli.jsontext import dumps

    for path, picture in each_picture(paths, max_pixels=max_pixels, strict=strict):
        facts = {
            "path": str(path),
            "format": picture.format,
            "width": picture.width,
            "height": picture.height,
            "colour": "grey" if picture.is_grey else "colour",
            "bit_depth": picture.bit_depth,
            "alpha": picture.alpha is not None,
            "icc_profile": picture.icc_description or (None if picture.metadata.icc is None else "unnamed"),
            "orientation": picture.orientation,
            "frames": picture.frames,
            "metadata": [k for k in ("exif", "icc", "xmp") if getattr(picture.metadata, k) is not None],
        }
        typer.echo(dumps(facts) if json_output else _describe(facts))


def _describe(facts: dict) -> str:
    parts = [
        f"{facts['format']} {facts['width']}x{facts['height']}",
        f"{facts['colour']} {facts['bit_depth']}-bit",
        "alpha" if facts["alpha"] else "opaque",
    ]
    if facts["icc_profile"]:
        parts.append(f"ICC {facts['icc_profile']!r}")
    if facts["orientation"] != 1:
        parts.append(f"orientation {facts['orientation']} (applied)")
    if facts["frames"] > 1:
        parts.append(f"{facts['frames']} frames")
    parts.append("metadata: " + (",".join(facts["metadata"]) or "none"))
    return f"{facts['path']}: " + ", ".join(parts)
