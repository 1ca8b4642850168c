"""`vpjnd jnd`: the pixel-wise JND map of a picture, as a viewable PNG and optionally raw floats."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from vpjnd_cli.commands.options import (
    OUTPUTS,
    Force,
    InputPath,
    JndModel,
    MaxPixels,
    OutputPath,
    Strict,
    warn,
)
from vpjnd_cli.limits import DEFAULT_MAX_PIXELS

if TYPE_CHECKING:
    import numpy as np

RAW_SUFFIXES = (".npy", ".tif", ".tiff")

Raw = Annotated[
    Path | None,
    typer.Option(
        "--raw",
        metavar="FILE",
        help="Also save the map as float32 grey levels: .npy (NumPy) or .tif/.tiff (32-bit float TIFF).",
        show_default=False,
        rich_help_panel=OUTPUTS,
    ),
]
Colormap = Annotated[
    bool, typer.Option("--colormap", help="Write a colour heat map (turbo) instead of a grey PNG.",
                       rich_help_panel=OUTPUTS)
]


def jnd_command(
    source: InputPath,
    output: OutputPath,
    model: JndModel = "epc",
    raw: Raw = None,
    colormap: Colormap = False,
    force: Force = False,
    max_pixels: MaxPixels = DEFAULT_MAX_PIXELS,
    strict: Strict = False,
) -> None:
    """Compute the JND map (visibility threshold per pixel, in grey levels) and save it as a PNG.

    The PNG is scaled per picture from min..max to 0..255; use --raw for the values themselves.

    Examples:

    vpjnd jnd photo.png -o map.png
    vpjnd jnd photo.png -o heat.png --colormap --raw map.npy --jnd-model namm
    """
    from vpjnd_cli.errors import UsageError
    from vpjnd_cli.imageio import check_output_path, load_image, write_atomic

    if output.suffix.lower() != ".png":
        raise UsageError(f"the JND map is written as PNG; give -o a name ending in .png, not {output.name!r}")
    if raw is not None and raw.suffix.lower() not in RAW_SUFFIXES:
        raise UsageError(f"--raw takes a .npy, .tif or .tiff file name, not {raw.name!r}")
    outputs = (output,) if raw is None else (output, raw)
    for path in outputs:  # every output is checked before any work, so a bad one writes nothing
        check_output_path(path, inputs=(source,), force=force)
    picture = load_image(source, max_pixels=max_pixels, strict=strict)
    for note in picture.warnings:
        warn(note)

    from vpjnd_cli.jnd import jnd_map

    jnd = jnd_map(picture.rgb, model)
    if raw is not None:
        write_atomic(raw, _encode_raw(jnd, raw.suffix.lower()), inputs=(source,), force=force)
    write_atomic(output, _encode_png(jnd, colormap), inputs=(source,), force=force)
    height, width = jnd.shape
    typer.echo(
        f"jnd {model}  {source}  {width}x{height}  "
        f"min {float(jnd.min()):.2f}  mean {float(jnd.mean()):.2f}  max {float(jnd.max()):.2f}"
    )


def _encode_png(jnd: np.ndarray, colormap: bool) -> bytes:
    """An 8-bit grey PNG, or an RGB heat map."""
    import cv2

    from vpjnd_cli.imageio.heatmap import heat_map, scale_to_8bit

    picture = heat_map(jnd)[..., ::-1] if colormap else scale_to_8bit(jnd)  # imencode takes BGR
    ok, encoded = cv2.imencode(".png", picture)
    if not ok:
        raise RuntimeError("OpenCV could not encode the PNG")
    return encoded.tobytes()


def _encode_raw(jnd: np.ndarray, suffix: str) -> bytes:
    """float32 values unchanged: NumPy .npy, or a one-channel 32-bit float TIFF."""
    import io

    import numpy as np

    buffer = io.BytesIO()
    if suffix == ".npy":
        np.save(buffer, np.ascontiguousarray(jnd, dtype=np.float32), allow_pickle=False)
    else:
        from PIL import Image

        Image.fromarray(np.ascontiguousarray(jnd, dtype=np.float32)).save(buffer, format="TIFF")
    return buffer.getvalue()
