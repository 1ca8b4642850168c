"""``--report F.html``: a page to check every result by eye, with its pictures in F_files/.

Per picture the page shows the original and each codec's candidate as a viewer sees them (sRGB
over the background, decoded exactly as the judge saw them, stored losslessly as PNG), the JND
map and the candidate's luma error as heat maps on one scale, and the judge's probability at
every evaluated level. The job that searched a picture writes its files as soon as it ends (in
whichever process ran it), into a folder beside the report that replaces F_files/ when the page
is written at the end of the run: memory stays bounded whatever the number of pictures. The page
is one HTML file with its CSS, JavaScript and numbers inline; it loads nothing but F_files/.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import numpy as np

from vpjnd_cli import __version__
from vpjnd_cli.codecs.base import Codec, Level
from vpjnd_cli.errors import OutputError, os_cause
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.imageio.heatmap import scale_to_8bit, turbo
from vpjnd_cli.pipeline import Prediction
from vpjnd_cli.results import Result, Totals

if TYPE_CHECKING:
    import PIL.Image  # imported where a picture is written: the page alone needs no PIL

MARKER = "vpjnd-report.txt"  # in F_files/: the folder is a report's, which a later report may replace
THUMBNAIL = 160  # the longest side of a table thumbnail, in pixels


@dataclass(frozen=True)
class CandidateView:
    """One codec's search and the candidate shown for it (the file made, or the level predicted)."""

    codec: str
    setting_name: str  # QF, QP, quality
    ladder: tuple[str, ...]  # the first and the last level's labels
    levels: int  # rungs on the ladder
    points: tuple[tuple[int, str, float], ...]  # (ladder index, label, P) of every evaluated level
    chosen: int | None  # the search's answer (None: no level passed)
    shown: int  # the level of the picture shown
    shown_label: str
    shown_probability: float | None
    bytes: int  # of the file made, or of the search encode at the level predicted

    @property
    def image(self) -> str:
        return f"{self.codec}.png"

    @property
    def error(self) -> str:
        return f"{self.codec}-error.png"


@dataclass(frozen=True)
class PictureView:
    """Where one picture's files are (under F_files/) and what its page shows."""

    folder: str
    width: int
    height: int
    thumbnail: tuple[int, int]
    scale: float  # grey levels at the top of the heat maps' colour scale (0 at the bottom)
    candidates: tuple[CandidateView, ...]


def candidate_view(
    codec: Codec, prediction: Prediction, shown: int, probability: float | None, size: int
) -> CandidateView:
    """A codec's search as the page plots it, showing ladder level ``shown``."""
    ladder = prediction.ladder
    points = tuple((i, ladder[i].label, round(p, 6)) for i, p in sorted(prediction.probabilities.items()))
    return CandidateView(
        codec=codec.name, setting_name=codec.setting_name, ladder=(ladder[0].label, ladder[-1].label),
        levels=len(ladder), points=points, chosen=prediction.chosen, shown=shown,
        shown_label=ladder[shown].label, shown_probability=_finite(probability), bytes=size,
    )


def write_picture_view(
    folder: Path, reference: np.ndarray, jnd: np.ndarray, candidates: Sequence[tuple[CandidateView, np.ndarray]]
) -> PictureView:
    """Write a picture's files into ``folder`` (made here): the original, each candidate (HxWx3
    sRGB as seen), the JND map and each candidate's |luma error| as heat maps from 0 to the
    largest of their values, and a thumbnail. An unwritable folder is an OutputError."""
    luma = luma_bt601(reference)
    errors = [np.abs(luma_bt601(pixels) - luma) for _, pixels in candidates]
    scale = max([float(jnd.max()), *(float(error.max()) for error in errors)])
    thumbnail = _thumbnail(reference)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _save(folder / "original.png", reference)
        _save(folder / "jnd.png", scale_to_8bit(jnd, 0.0, scale), turbo())
        for (view, pixels), error in zip(candidates, errors, strict=True):
            _save(folder / view.image, pixels)
            _save(folder / view.error, scale_to_8bit(error, 0.0, scale), turbo())
        thumbnail.save(folder / "thumbnail.jpg", quality=85)
    except OSError as error:
        raise OutputError(f"cannot write the picture's files for --report ({os_cause(error)})", folder) from error
    height, width = reference.shape[:2]
    return PictureView(folder.name, width, height, thumbnail.size, round(scale, 3), tuple(v for v, _ in candidates))


def _save(path: Path, pixels: np.ndarray, palette: np.ndarray | None = None) -> None:
    """A PNG, lossless and quick to write for large pictures; 8-bit ``pixels`` index ``palette``."""
    from PIL import Image

    picture = Image.fromarray(pixels)
    if palette is not None:
        picture.putpalette(palette.tobytes())
    picture.save(path, compress_level=1)


def _thumbnail(reference: np.ndarray) -> PIL.Image.Image:
    from PIL import Image

    picture = Image.fromarray(reference)
    picture.thumbnail((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX)
    return picture


class PictureFolder:
    """F_files/ beside F.html. The run fills a temporary folder beside it, which replaces it when
    the page is written; a folder of that name that no report made is never touched."""

    def __init__(self, report: Path) -> None:
        """An OutputError when F_files/ exists and is not a report's (before any work is done)."""
        report = Path(os.path.abspath(report))
        self.report, self.path = report.name, report.with_name(report.stem + "_files")
        if self.path.exists() and not (self.path / MARKER).is_file():
            raise OutputError(f"the report's picture folder {self.path.name} exists and was not made by a vpjnd "
                              "report; move it, or name the report otherwise", self.path)
        self.temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.part")

    def commit(self) -> None:
        """Put the pictures written so far in place of F_files/ (the old one is removed)."""
        old = self.path.with_name(f".{self.path.name}.{os.getpid()}.old")
        try:
            self.temp.mkdir(exist_ok=True)
            (self.temp / MARKER).write_text(f"The pictures of the vpjnd report {self.report}; "
                                            "the next report of that name replaces this folder.\n")
            if self.path.exists():
                os.replace(self.path, old)
            os.replace(self.temp, self.path)
        except OSError as error:
            raise OutputError(f"cannot write the report's pictures ({os_cause(error)})", self.path) from error
        shutil.rmtree(old, ignore_errors=True)

    def __enter__(self) -> PictureFolder:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)  # gone already when committed


def write_page(path: Path, results: Sequence[Result], views: Sequence[PictureView | None], totals: Totals) -> None:
    """Write the page (replacing an older one): one entry per result, with its view if any."""
    data = {
        "vpjnd": __version__,
        "files": quote(path.stem + "_files"),
        "summary": totals.to_dict(),
        "pictures": [_entry(result, view) for result, view in zip(results, views, strict=True)],
    }
    text = json.dumps(data, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")
    asset = resources.files("vpjnd_cli.jobs")
    parts = {"version": __version__, "data": text, "css": asset.joinpath("report.css").read_text(encoding="utf-8"),
             "js": asset.joinpath("report.js").read_text(encoding="utf-8")}
    page = re.sub(r"\{(version|css|js|data)\}", lambda match: parts[match.group(1)], PAGE)
    write_atomic(path, page.encode("utf-8"), force=True)


def _entry(result: Result, view: PictureView | None) -> dict[str, Any]:
    """What the page shows of a result: its numbers (NaN as null), levels as labels, its view."""
    keys = ("path", "output", "status", "note", "error", "codec", "setting_name", "judge", "weights", "jnd_model",
            "criterion", "sur", "probability", "written_probability", "bytes_in", "bytes_out", "saving",
            "evaluations", "rejudged")
    record = result.to_dict()
    entry = {key: _finite(record[key]) for key in keys}
    for prefix in ("", "written_"):
        level, chroma = record[prefix + "level"], record[prefix + "chroma"]
        entry[prefix + "level"] = None if level is None or chroma is None else Level(level, chroma).label
    entry["seconds"] = {**result.seconds, "total": result.total_seconds}
    if view is not None:
        entry["view"] = {**asdict(view), "candidates": [
            {**asdict(candidate), "image": candidate.image, "error": candidate.error}
            for candidate in view.candidates]}
    return entry


def _finite(value: Any) -> Any:
    """NaN (a probability never measured) as None: JSON has no NaN."""
    return None if isinstance(value, float) and math.isnan(value) else value


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="generator" content="vpjnd {version}">
<title>vpjnd report</title>
<style>
{css}</style>
</head>
<body>
<noscript>This report needs JavaScript to show its pictures.</noscript>
<main id="batch"></main>
<main id="picture" hidden></main>
<script type="application/json" id="vpjnd-data">{data}</script>
<script>
{js}</script>
</body>
</html>
"""
