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
    typer.Option("--codec", "-c", help="jpeg, bpg, heic, avif or webp; compress also takes auto (the smallest "
                 "passing file of --codecs). Default: OUT's extension (one output file), else jpeg."),
]
JudgeName = Annotated[
    str | None,
    typer.Option(
        "--judge",
        help="vpjndnet (the trained network) or pjnd (weight-free JND rule). Default: vpjndnet with "
        "--weights, or when the installed weights were trained on the output codec (the shipped model: "
        "JPEG); else pjnd.",
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
    typer.Option("--keep-original", help="When no level passes, keep the original instead of the least distorted level."),
]
Background = Annotated[
    str, typer.Option("--background", help="Colour (hex RRGGBB) that transparent pixels are flattened onto.")
]

# Many inputs: shared by compress and predict (vpjnd_cli/jobs).
Inputs = Annotated[
    list[Path],
    typer.Argument(help="Input pictures and folders ('-': standard input).", metavar="IN", readable=False,
                   show_default=False),
]
OutputTarget = Annotated[
    str | None,  # not Path, which drops the trailing / that makes a name a folder
    typer.Option("--output", "-o", metavar="OUT", show_default=False,
                 help="Output file (one input), folder (mirrors the input folders) or '-' (standard output)."),
]
NameTemplate = Annotated[
    str | None,
    typer.Option("--name-template", metavar="TEMPLATE",
                 help='Output file names, e.g. "{stem}.jpnd{ext}" (fields: stem, name, suffix, ext, codec); '
                      "without -o, outputs go beside their inputs. Default: {stem}{ext}."),
]
Recursive = Annotated[bool, typer.Option("--recursive", "-r", help="Search folders' subfolders too.")]
Include = Annotated[
    list[str] | None,
    typer.Option("--include", metavar="GLOB",
                 help="Only files matching GLOB (repeatable; case-insensitive, on the name or the path under "
                      "the folder given). Default: picture extensions."),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option("--exclude", metavar="GLOB", help="Leave out files and folders matching GLOB (repeatable)."),
]
Jobs = Annotated[
    int,
    typer.Option("--jobs", "-j", min=0, metavar="N",
                 help="Worker processes, each loading the codecs and judge once (0: one per CPU)."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Errors only: no result lines, warnings, progress or summary.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Also list skipped inputs and the plan.")]
Report = Annotated[
    Path | None,
    typer.Option("--report", metavar="FILE", help="Write one row per input to FILE (.json, .csv or .ndjson)."),
]

# Outputs of compress.
CodecList = Annotated[
    str | None,
    typer.Option("--codecs", metavar="LIST",
                 help="With --codec auto: the codecs to try, e.g. jpeg,webp,avif,heic,bpg (default jpeg,webp,avif)."),
]
MinSaving = Annotated[
    float,
    typer.Option("--min-saving", min=0.0, max=100.0, metavar="PCT",
                 help="Keep the original unless the output is at least PCT % smaller (it is never larger)."),
]
SkipExisting = Annotated[bool, typer.Option("--skip-existing", help="Skip inputs whose output file exists.")]
DryRun = Annotated[bool, typer.Option("--dry-run", "-n", help="Do everything but write: show what would be written.")]
Strip = Annotated[bool, typer.Option("--strip", help="Write no EXIF, ICC or XMP (the vpjnd marker stays).")]
Keep = Annotated[
    str | None,
    typer.Option("--keep", metavar="KINDS", help="Metadata to keep, e.g. exif,icc (default: exif,icc,xmp)."),
]
PreserveTimes = Annotated[
    bool, typer.Option("--preserve-times", help="Give each output its input's modification and access times.")
]
InPlace = Annotated[
    bool,
    typer.Option("--in-place", help="Replace each input (in the --codec format, default jpeg) by its output, "
                 "atomically and only when the output is smaller."),
]
Backup = Annotated[
    str | None,
    typer.Option("--backup", metavar="SUFFIX", help="With --in-place: keep each input under its name plus SUFFIX "
                 "(e.g. .orig)."),
]
Redo = Annotated[
    bool,
    typer.Option("--force", "-f", help="Overwrite existing outputs and compress inputs vpjnd already wrote "
                 "(never overwrites an input)."),
]
