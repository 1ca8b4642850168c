"""Options shared by several commands, declared once so they read the same everywhere.

Each option names its choices (a Literal, which `--help` lists and shell completion offers) or a
metavar that says what it takes, and sits in one help panel: Inputs, Search, Outputs, Metadata
or Run. Only the codec and judge registries are imported here (both cheap), so that `vpjnd
--help` loads no numpy or torch; choices that live in heavier modules are spelled out and checked
against them by the tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from vpjnd_cli.chatter import one_line
from vpjnd_cli.codecs import available_codecs
from vpjnd_cli.judges import JUDGES

INPUTS, SEARCH, OUTPUTS, METADATA, RUN = "Inputs", "Search", "Outputs", "Metadata", "Run"

CodecName = Literal[tuple(available_codecs())]  # type: ignore[valid-type]
OutputCodecName = Literal[(*available_codecs(), "auto")]  # type: ignore[valid-type]
JudgeChoice = Literal[JUDGES]  # type: ignore[valid-type]
ChromaChoice = Literal["auto", "420", "444", "both"]  # CodecOptions.chroma, or the criterion's
CriterionChoice = Literal["paper", "strict"]  # vpjnd_cli/criteria.py
JndModelName = Literal["epc", "namm"]  # vpjnd_cli.jnd.MODELS
SearchChoice = Literal["spread", "block"]  # vpjnd_cli.search.SEARCHES
BpgBackendName = Literal["auto", "external", "builtin"]  # CodecOptions.bpg_backend
IccChoice = Literal["keep", "srgb"]
DEVICES = ("auto", "cpu", "cuda", "mps")  # vpjnd_cli.model.device.DEVICES; cuda:N is accepted too


def warn(message: str) -> None:
    """A one-line warning on stderr (stdout stays clean for machine-readable output)."""
    typer.echo(f"vpjnd: warning: {one_line(message)}", err=True)


def _complete_device(incomplete: str) -> list[str]:
    return [name for name in DEVICES if name.startswith(incomplete)]


# Inputs.
InputPath = Annotated[Path, typer.Argument(help="Input picture.", metavar="IN", readable=False, show_default=False)]
Inputs = Annotated[
    list[Path],
    typer.Argument(help="Input pictures and folders ('-': standard input).", metavar="IN", readable=False,
                   show_default=False),
]
Recursive = Annotated[
    bool, typer.Option("--recursive", "-r", help="Search folders' subfolders too.", rich_help_panel=INPUTS)
]
Include = Annotated[
    list[str] | None,
    typer.Option("--include", metavar="GLOB", rich_help_panel=INPUTS,
                 help="Only files matching GLOB (repeatable; case-insensitive, on the name or the path under "
                      "the folder given). Default: picture extensions."),
]
Exclude = Annotated[
    list[str] | None,
    typer.Option("--exclude", metavar="GLOB", rich_help_panel=INPUTS,
                 help="Leave out files and folders matching GLOB (repeatable)."),
]
MaxPixels = Annotated[
    int,
    typer.Option("--max-pixels", min=0, metavar="N", rich_help_panel=INPUTS,
                 help="Refuse inputs with more pixels than this (decompression-bomb guard; 0 = no limit)."),
]
Strict = Annotated[
    bool,
    typer.Option("--strict", rich_help_panel=INPUTS,
                 help="Refuse animated or multi-page inputs instead of using their first frame."),
]

# The search: shared by compress, predict and the commands that judge.
OutputCodec = Annotated[
    OutputCodecName | None,
    typer.Option("--codec", "-c", case_sensitive=False, rich_help_panel=SEARCH, show_default=False,
                 help="Output format; auto: the smallest passing file of --codecs. Default: OUT's extension "
                      "(one output file), else jpeg."),
]
Codec = Annotated[
    CodecName | None,
    typer.Option("--codec", "-c", case_sensitive=False, rich_help_panel=SEARCH, show_default=False,
                 help="The codec whose levels are searched. Default: jpeg."),
]
CodecList = Annotated[
    str | None,
    typer.Option("--codecs", metavar="LIST", rich_help_panel=SEARCH,
                 help=f"With --codec auto: the codecs to try, from {','.join(available_codecs())} "
                      "(default jpeg,webp,avif)."),
]
JudgeName = Annotated[
    JudgeChoice | None,
    typer.Option("--judge", rich_help_panel=SEARCH, show_default=False,
                 help="vpjndnet (the trained network) or pjnd (weight-free JND rule). Default: vpjndnet with "
                      "--weights, or when the installed weights were trained on the codec judged (the shipped "
                      "model: all but jxl); else pjnd."),
]
Criterion = Annotated[
    CriterionChoice,
    typer.Option("--criterion", rich_help_panel=SEARCH,
                 help="What looks the same means. paper: the VP-JND paper's, MCL-JCI's first JND (lenient); "
                      "strict: no visible difference at 1:1 on a desktop, side by side (SSIMULACRA2 about 90 at "
                      "--sur 0.75; JPEG, BPG, HEIC, AVIF and WebP). Each has its own calibration of the network."),
]
Sur = Annotated[
    float,
    typer.Option("--sur", min=0.01, max=1.0, metavar="P", rich_help_panel=SEARCH,
                 help="Target satisfied-user ratio: P(no visible difference) a level must reach."),
]
Level = Annotated[
    int | None,
    typer.Option("--level", metavar="N", rich_help_panel=SEARCH,
                 help="Skip the search: use this codec setting (JPEG QF, BPG/HEIC QP, AVIF/WebP quality)."),
]
MinLevel = Annotated[
    int | None,
    typer.Option("--min-level", metavar="N", rich_help_panel=SEARCH,
                 help="Search only settings >= N (the codec's own: JPEG QF, BPG/HEIC QP, ...)."),
]
MaxLevel = Annotated[
    int | None,
    typer.Option("--max-level", metavar="N", rich_help_panel=SEARCH,
                 help="Search only settings <= N (e.g. --min-level 40 --max-level 95 for JPEG)."),
]
SearchName = Annotated[
    SearchChoice,
    typer.Option("--search", rich_help_panel=SEARCH,
                 help="spread: probes spread over the ladder, then narrowed (about 11 evaluations for JPEG); "
                      "block: the paper's binary search over blocks of --block-size levels (up to 32)."),
]
BlockSize = Annotated[
    int, typer.Option("--block-size", min=1, metavar="N", rich_help_panel=SEARCH,
                      help="Levels judged together in one batch by --search block.")
]
Chroma = Annotated[
    ChromaChoice,
    typer.Option("--chroma", rich_help_panel=SEARCH,
                 help="Chroma sampling (WebP's one 4:4:4 rung is lossless); both: 4:4:4 and 4:2:0 searched apart, "
                      "the smaller file kept; auto: for --criterion paper 420, then 4:4:4 when no 4:2:0 level "
                      "passes; for strict, both."),
]
JndModel = Annotated[
    JndModelName,
    typer.Option("--jnd-model", "-m", rich_help_panel=SEARCH,
                 help="Pixel-wise JND model: epc (Wu 2017, the authors' code) or namm (Yang 2005)."),
]
Device = Annotated[
    str,
    typer.Option("--device", metavar="|".join(DEVICES), autocompletion=_complete_device, rich_help_panel=SEARCH,
                 help="Where the network runs (auto: a GPU when there is one, else the CPU without torch when "
                      "the weights have their ONNX graph; cuda:N picks one)."),
]
Weights = Annotated[
    Path | None,
    typer.Option("--weights", metavar="FILE", rich_help_panel=SEARCH,
                 help="VP-JNDnet weights file (default: the criterion's, $VPJND_WEIGHTS or $VPJND_STRICT_WEIGHTS, "
                      "else the shipped model)."),
]
BpgBackend = Annotated[
    BpgBackendName,
    typer.Option("--bpg-backend", rich_help_panel=SEARCH,
                 help="BPG: auto (bpgenc/bpgdec if found, else built in), external or builtin."),
]
BpgEncoder = Annotated[
    Path | None,
    typer.Option("--bpgenc", metavar="PATH", rich_help_panel=SEARCH,
                 help="Path to bpgenc (implies the external back-end)."),
]
BpgDecoder = Annotated[
    Path | None,
    typer.Option("--bpgdec", metavar="PATH", rich_help_panel=SEARCH,
                 help="Path to bpgdec (implies the external back-end)."),
]
Background = Annotated[
    str,
    typer.Option("--background", metavar="RRGGBB", rich_help_panel=SEARCH,
                 help="Colour transparent pixels are judged on, and flattened onto for JPEG, which cannot keep "
                      "alpha."),
]

# Outputs.
OutputPath = Annotated[
    Path, typer.Option("--output", "-o", help="Output file.", metavar="OUT", show_default=False,
                       rich_help_panel=OUTPUTS)
]
Force = Annotated[
    bool, typer.Option("--force", "-f", help="Overwrite an existing output file (never an input).",
                       rich_help_panel=OUTPUTS)
]
OutputTarget = Annotated[
    str | None,  # not Path, which drops the trailing / that makes a name a folder
    typer.Option("--output", "-o", metavar="OUT", show_default=False, rich_help_panel=OUTPUTS,
                 help="Output file (one input), folder (existing, or ending in /; mirrors the input folders) or "
                      "'-' (standard output)."),
]
NameTemplate = Annotated[
    str | None,
    typer.Option("--name-template", metavar="TEMPLATE", rich_help_panel=OUTPUTS,
                 help='Output file names, e.g. "{stem}.jpnd{ext}" (fields: stem, name, suffix, ext, codec); '
                      "without -o, outputs go beside their inputs. Default: {stem}{ext}."),
]
KeepOriginal = Annotated[
    bool,
    typer.Option("--keep-original", rich_help_panel=OUTPUTS,
                 help="When no level passes, keep the original instead of the least distorted level."),
]
MinSaving = Annotated[
    float,
    typer.Option("--min-saving", min=0.0, max=100.0, metavar="PCT", rich_help_panel=OUTPUTS,
                 help="Keep the original unless the output is at least PCT % smaller (it is never larger)."),
]
SkipExisting = Annotated[
    bool, typer.Option("--skip-existing", help="Skip inputs whose output file exists.", rich_help_panel=OUTPUTS)
]
InPlace = Annotated[
    bool,
    typer.Option("--in-place", rich_help_panel=OUTPUTS,
                 help="Replace each input (in the --codec format, default jpeg) by its output, atomically and only "
                      "when the output is smaller."),
]
Backup = Annotated[
    str | None,
    typer.Option("--backup", metavar="SUFFIX", rich_help_panel=OUTPUTS,
                 help="With --in-place: keep each input under its name plus SUFFIX (e.g. .orig)."),
]
Redo = Annotated[
    bool,
    typer.Option("--force", "-f", rich_help_panel=OUTPUTS,
                 help="Overwrite existing outputs and compress inputs vpjnd already wrote (never overwrites an "
                      "input)."),
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", "-n", help="Do everything but write: show what would be written.",
                       rich_help_panel=OUTPUTS)
]
PreserveTimes = Annotated[
    bool, typer.Option("--preserve-times", help="Give each output its input's modification and access times.",
                       rich_help_panel=OUTPUTS)
]

# Metadata.
Strip = Annotated[
    bool, typer.Option("--strip", help="Write no EXIF, ICC or XMP (the vpjnd marker stays).",
                       rich_help_panel=METADATA)
]
Keep = Annotated[
    str | None,
    typer.Option("--keep", metavar="KINDS", rich_help_panel=METADATA,
                 help="Metadata to keep, from exif,icc,xmp (default: all of them)."),
]
Icc = Annotated[
    IccChoice,
    typer.Option("--icc", rich_help_panel=METADATA,
                 help="keep: write the pixels in the input's own RGB profile and embed it (judged in sRGB "
                      "through it); srgb: convert them to sRGB and embed an sRGB profile."),
]

# Run.
Jobs = Annotated[
    int,
    typer.Option("--jobs", "-j", min=0, metavar="N", rich_help_panel=RUN,
                 help="Worker processes, each loading the codecs and judge once (0: one per CPU)."),
]
Executor = Annotated[
    Literal["local", "ray"],  # vpjnd_cli.jobs.batch.EXECUTORS
    typer.Option("--executor", rich_help_panel=RUN,
                 help="local: -j worker processes on this machine; ray: one Ray task per picture on a Ray "
                      "cluster (vpjnd's ray extra; inputs and outputs on a file system every node sees)."),
]
RayAddress = Annotated[
    str | None,
    typer.Option("--ray-address", metavar="auto|HOST:PORT", rich_help_panel=RUN,
                 help="The cluster of --executor ray: auto (the one started on this machine, or $RAY_ADDRESS) "
                      "or its head's HOST:PORT. Default: a local Ray with -j CPUs (0: all), started for the run."),
]
Quiet = Annotated[
    bool, typer.Option("--quiet", "-q", help="Errors only: no result lines, warnings, progress or summary.",
                       rich_help_panel=RUN)
]
Verbose = Annotated[
    bool, typer.Option("--verbose", "-v", help="Also list skipped inputs and the plan.", rich_help_panel=RUN)
]
Report = Annotated[
    Path | None,
    typer.Option("--report", metavar="FILE", rich_help_panel=RUN,
                 help="Write one row per input to FILE (.json, .csv or .ndjson), or a page to check each "
                      "picture by eye (.html, its pictures in FILE_files/)."),
]
Json = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.", rich_help_panel=RUN)]
