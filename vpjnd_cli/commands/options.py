"""Options shared by several commands, declared once so they read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

InputPath = Annotated[Path, typer.Argument(help="Input picture.", metavar="IN", readable=False, show_default=False)]
OutputPath = Annotated[Path, typer.Option("--output", "-o", help="Output file.", metavar="OUT", show_default=False)]
Force = Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing output file (never an input).")]
MaxPixels = Annotated[
    int,
    typer.Option(
        "--max-pixels",
        min=0,
        help="Refuse inputs with more pixels than this (decompression-bomb guard; 0 = no limit).",
    ),
]
Strict = Annotated[
    bool, typer.Option("--strict", help="Refuse animated or multi-page inputs instead of using their first frame.")
]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]


def warn(message: str) -> None:
    """A one-line warning on stderr (stdout stays clean for machine-readable output)."""
    typer.echo(f"vpjnd: warning: {message}", err=True)

# The search: shared by compress and predict.
Codec = Annotated[
    str | None,
    typer.Option("--codec", "-c", help="jpeg, bpg, heic, avif or webp (compress: default from OUT's extension)."),
]
JudgeName = Annotated[
    str | None,
    typer.Option(
        "--judge",
        help="vpjndnet (the trained network) or pjnd (weight-free JND rule). Default: vpjndnet when "
        "weights are installed, else pjnd.",
        show_default=False,
    ),
]
Sur = Annotated[
    float,
    typer.Option("--sur", min=0.01, max=1.0, help="Target satisfied-user ratio: P(no visible difference) to reach."),
]
Level = Annotated[
    int | None,
    typer.Option("--level", help="Skip the search: use this codec setting (JPEG QF, BPG/HEIC QP, ...)."),
]
BlockSize = Annotated[int, typer.Option("--block-size", min=1, help="Levels judged together in one batch.")]
Chroma = Annotated[
    str, typer.Option("--chroma", help="Chroma sampling: 420, 444, or both (both as ladder rungs).")
]
JndModel = Annotated[str, typer.Option("--jnd-model", help="Pixel-wise JND model: epc or namm.")]
Device = Annotated[str, typer.Option("--device", help="Network device: auto, cpu, cuda or mps.")]
Weights = Annotated[
    Path | None,
    typer.Option("--weights", help="VP-JNDnet weights file (default: $VPJND_WEIGHTS or the shipped model)."),
]
BpgBackend = Annotated[
    str, typer.Option("--bpg-backend", help="BPG: auto (bpgenc/bpgdec if found), external, or builtin.")
]
BpgEncoder = Annotated[Path | None, typer.Option("--bpgenc", help="Path to bpgenc (implies the external back-end).")]
BpgDecoder = Annotated[Path | None, typer.Option("--bpgdec", help="Path to bpgdec (implies the external back-end).")]
KeepOriginal = Annotated[
    bool,
    typer.Option("--keep-original", help="When no level passes, copy the input (same format only) instead."),
]
Background = Annotated[
    str, typer.Option("--background", help="Colour (hex RRGGBB) that transparent pixels are flattened onto.")
]
