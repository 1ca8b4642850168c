"""`vpjnd decode`: any supported input to a PNG as vpjnd sees it (oriented, sRGB)."""

from __future__ import annotations

from vpjnd_cli.commands.options import (
    Force,
    InputPath,
    MaxPixels,
    OutputPath,
    Strict,
    warn,
)
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS


def decode_command(
    source: InputPath,
    output: OutputPath,
    force: Force = False,
    max_pixels: MaxPixels = DEFAULT_MAX_PIXELS,
    strict: Strict = False,
) -> None:
    """Decode a picture to PNG: orientation applied, colours in sRGB, alpha kept, EXIF/XMP kept.

    Examples:

    vpjnd decode photo.bpg -o photo.png
    vpjnd decode phone.heic -o phone.png --force
    """
    import io

    from PIL import Image

    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.imageio import check_output_path, load_image, write_atomic

    if output.suffix.lower() != ".png":
        raise UsageError(f"decode writes PNG files; give an output name ending in .png, not {output.name!r}")
    check_output_path(output, inputs=(source,), force=force)
    picture = load_image(source, max_pixels=max_pixels, strict=strict)
    for note in picture.warnings:
        warn(note)
    if picture.alpha is not None:
        image = Image.fromarray(picture.rgb).convert("RGBA")
        image.putalpha(Image.fromarray(picture.alpha))
    elif picture.is_grey:
        image = Image.fromarray(picture.rgb[..., 0])
    else:
        image = Image.fromarray(picture.rgb)
    buffer = io.BytesIO()
    meta = picture.metadata
    extra = {} if meta.exif is None else {"exif": meta.exif_with_prefix()}
    if meta.xmp is not None:
        extra["xmp"] = meta.xmp
    image.save(buffer, format="PNG", **extra)
    write_atomic(output, buffer.getvalue(), inputs=(source,), force=force)
