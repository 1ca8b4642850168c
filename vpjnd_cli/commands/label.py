"""`vpjnd label`: build a teacher-labelled training corpus from photos (see train/labelling.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from vpjnd_cli.commands import options as opt

if TYPE_CHECKING:
    from vpjnd_cli.train.calibration import Calibration

DEFAULT_SIZES = ["1920x1080", "1280x720", "640x480"]


def _sizes(texts: list[str]) -> tuple[tuple[int, int], ...]:
    from vpjnd_cli.errors import UsageError

    out = []
    for text in texts:
        width, _, height = text.lower().partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
            raise UsageError(f"a size must look like 1920x1080, not {text!r}")
        out.append((int(width), int(height)))
    return tuple(out)


def _photo_files(inputs: list[Path]) -> list[Path]:
    from vpjnd_cli.errors import InputError

    files = []
    for path in inputs:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", path)
    return files


def label_command(
    photos: Annotated[list[Path], typer.Argument(help="Photos, or folders of photos (searched recursively).",
                                                 metavar="PHOTOS...", show_default=False)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Corpus folder (created; a rerun reuses its scores).",
                                         metavar="CORPUS", show_default=False)],
    codec: Annotated[str, typer.Option("--codec", "-c", metavar="CODECS", help="Codecs to label, comma-separated: "
                                       "jpeg, bpg, heic, avif, webp, jxl, or all.")] = "jpeg",
    chroma: Annotated[Literal["420", "444", "both"], typer.Option("--chroma", help="Chroma samplings to label "
                                                                  "(4:4:4 where the codec has it).")] = "both",
    teacher: Annotated[Literal["butteraugli", "ssimulacra2"],
                       typer.Option("--teacher", help="butteraugli (3-norm) or ssimulacra2.")] = "butteraugli",
    every: Annotated[int | None, typer.Option("--every", min=1, metavar="N", help="Label every N-th ladder level and "
                                              "the last (default: JPEG 5, AVIF/WebP 10, BPG/HEIC 6).",
                                              show_default=False)] = None,
    fine: Annotated[int | None, typer.Option("--fine", min=1, metavar="M", help="Then every M-th level where the "
                                             "answer changes (default: JPEG/AVIF/WebP 5, BPG/HEIC 2; M = N: none).",
                                             show_default=False)] = None,
    size: Annotated[list[str] | None, typer.Option("--size", metavar="WxH", help="Picture size WxH, repeatable; the "
                                                   "first calibrates. Default: 1920x1080, 1280x720 and "
                                                   "640x480.")] = None,
    tiles: Annotated[bool, typer.Option("--tiles", help="Also cut the first-size picture into tiles of the "
                                        "other sizes (1920x1080: six 640x480 tiles).")] = False,
    saturate: Annotated[float, typer.Option("--saturate", min=0.0, metavar="FACTOR", help="Also label a copy of each "
                                            "training picture with its chroma scaled by FACTOR (e.g. 1.8); 0: "
                                            "none.")] = 0.0,
    criterion: Annotated[Literal["paper", "strict"], typer.Option(
        "--criterion", help="paper: the teacher calibrated to MCL-JCI's first JND (the VP-JND paper's); strict: "
        "calibrated so that the files at SUR 75 % score SSIMULACRA2 90 (85 at 50 %, 93 at 90 %), no visible "
        "difference at 1:1 side by side.")] = "paper",
    calibration_file: Annotated[Path | None, typer.Option("--calibration", metavar="FILE", help="Reuse this "
                                                          "calibration.json of another corpus instead of fitting one "
                                                          "(labels comparable with it).")] = None,
    synthetic: Annotated[int, typer.Option("--synthetic", min=0, metavar="N", help="Also label N generated pictures "
                                           "of each kind (gradients, graphics, text) and one hard picture per photo "
                                           "(product shot, sky, grain or dark scene); 0: none.")] = 0,
    synthetic_size: Annotated[str, typer.Option("--synthetic-size", metavar="WxH",
                                                help="Size of the generated pictures.")] = "960x540",
    split: Annotated[Literal["train", "val", "test"] | None,
                     typer.Option("--split", show_default=False, help="Put every photo in this split instead of "
                                  "the seeded 70/10/20 split by source photo.")] = None,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Seed of the split by source photo.")] = 0,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Teacher scores computed in parallel.",
                                      rich_help_panel=opt.RUN)] = 1,
    summary: Annotated[Path | None, typer.Option("--mcl-jci-summary", metavar="FILE", show_default=False,
                                                 help="An MCL-JCI summary.tsv to calibrate to (default: the "
                                                 "built-in MCL-JCI values, which its 50 sources give).")] = None,
) -> None:
    """Label pictures cut from PHOTOS with a teacher calibrated to MCL-JCI; write CORPUS/manifest.csv.

    Examples:

    vpjnd label photos/ -o corpus --codec all --synthetic 8 -j 2
    vpjnd label photos/ -o corpus-bpg --codec bpg --chroma 420 --teacher ssimulacra2
    vpjnd label new-photos/ -o held-out --calibration corpus/calibration.json --split test
    vpjnd label photos/ -o corpus-strict --criterion strict   # calibrated to SSIMULACRA2, not MCL-JCI
    """
    import time

    from vpjnd_cli.commands.train import codec_list
    from vpjnd_cli.console import Console
    from vpjnd_cli.errors import OutputError, UsageError
    from vpjnd_cli.train.calibration import mcl_jci_targets
    from vpjnd_cli.train.labelling import LabelSettings, label_corpus
    from vpjnd_cli.train.teachers import get_teacher

    codecs = codec_list(codec)
    scorer = get_teacher(teacher)  # exit 3 before any work when its tool is missing
    if not output.parent.is_dir():
        raise OutputError("the corpus folder's parent does not exist", output)
    targets = mcl_jci_targets(summary)
    reused = None if calibration_file is None else _read_calibration(calibration_file, teacher)
    if reused is not None and reused.criterion != criterion:
        raise UsageError(f"a {reused.criterion} calibration; add --criterion {reused.criterion} to reuse it",
                         calibration_file)
    settings = LabelSettings(sizes=_sizes(size or DEFAULT_SIZES), codecs=tuple(codecs or ()), chroma=chroma,
                             every=every, fine=fine, seed=seed, jobs=jobs, tiles=tiles, saturate=saturate,
                             synthetic=synthetic, synthetic_size=_sizes([synthetic_size])[0], split=split,
                             calibration=reused, criterion=criterion)
    started = time.perf_counter()
    try:
        calibration = label_corpus(_photo_files(photos), output, scorer, targets, settings, Console().note)
    except ValueError as error:
        raise UsageError(str(error)) from None
    fit = calibration.psychometric
    source = f"calibration of {calibration_file}" if calibration_file else \
        f"{calibration.pictures} calibration pictures"
    reached = [f"SUR {s:.0%}: QF {calibration.mean_qf[s]:.1f}±{calibration.sd_qf[s]:.1f} (MCL-JCI {m:.1f}±{sd:.1f})"
               for s, (m, sd) in calibration.targets.items()]
    reached += [f"SUR {s:.0%}: SSIMULACRA2 {calibration.mean_score[s]:.1f} (aim {aim:g}), QF "
                f"{calibration.mean_qf[s]:.1f}±{calibration.sd_qf[s]:.1f}"
                for s, aim in calibration.score_targets.items()]
    typer.echo(f"{output}: {calibration.criterion} criterion, {source}; P = 1/(1+exp((d-{fit.a:.4g})/{fit.b:.4g})); "
               + ", ".join(reached) + f"; {time.perf_counter() - started:.0f} s")


def _read_calibration(path: Path, teacher: str) -> Calibration:
    """Another corpus's calibration.json for the same teacher, or exit 2 naming the file and what
    is wrong with it."""
    import json

    from vpjnd_cli.errors import InputError
    from vpjnd_cli.train.calibration import Calibration

    try:
        data = json.loads(path.read_text())
        if data.get("teacher", teacher) != teacher:
            raise InputError(f"calibrated for the teacher {data['teacher']}, not {teacher}", path)
        return Calibration.from_dict(data)
    except OSError as error:
        raise InputError(f"cannot read the calibration: {error.strerror or error}", path) from None
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        cause = f"{type(error).__name__}: {error}"
        raise InputError(f"not a calibration.json written by vpjnd label ({cause})", path) from None
