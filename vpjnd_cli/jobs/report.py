"""``--report FILE``: one row per input, as JSON, CSV or NDJSON (chosen by the extension), or a
page to check each picture by eye (HTML: html_report.py), with the batch's totals.

Rows are in input order whatever the number of workers. ``level`` and ``written_level`` are the
codec's integer setting (JPEG QF, BPG/HEIC QP, AVIF/WebP quality), each with its chroma
sampling; ``requested`` is the file -o named when the one written differs. ``saving`` is the
fraction of the input's size saved (0 when the original is kept); ``seconds`` is the wall time
of the job.
The report is written atomically at the end of the run, also when it is interrupted (then it
lists the pictures that were finished).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vpjnd_cli import __version__
from vpjnd_cli.errors import OutputError, UsageError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.jobs.html_report import PictureView, write_page
from vpjnd_cli.jsontext import dumps
from vpjnd_cli.results import Result, Totals

COLUMNS = (
    "path", "output", "requested", "status", "codec", "level", "chroma", "probability", "written_level",
    "written_chroma", "passed", "judge", "weights", "jnd_model", "criterion", "sur", "bytes_in", "bytes_out", "saving",
    "evaluations", "seconds", "written", "note", "error",
)
FORMATS = {".json": "json", ".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".html": "html"}


def check_report_path(path: Path) -> Path:
    """Refuse a report path whose format or folder is unusable before any picture is processed
    (a disk that fills meanwhile is found when the report is written)."""
    if path.suffix.lower() not in FORMATS:
        raise UsageError(f"--report must end in {', '.join(FORMATS)}, not {path.suffix or 'no extension'!r}", path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"report folder does not exist: {path.parent}", path)
    if not os.access(folder, os.W_OK):
        raise OutputError(f"report folder is not writable: {folder}", path)
    return path


def report_row(result: Result) -> dict[str, Any]:
    """The report's columns of a result (``seconds`` is the job's total)."""
    data = result.to_dict()
    return {column: data["total_seconds" if column == "seconds" else column] for column in COLUMNS}


def write_report(
    path: Path, results: Sequence[Result], totals: Totals, views: Sequence[PictureView | None] = ()
) -> None:
    """Write the report (replacing an older one) in the format its extension names; ``views``:
    each result's pictures, for HTML."""
    rows = [report_row(result) for result in results]
    kind = FORMATS[path.suffix.lower()]
    if kind == "html":
        write_page(path, results, views, totals)
        return
    if kind == "json":
        text = dumps({"vpjnd": __version__, "summary": totals.to_dict(), "files": rows}, indent=1) + "\n"
    elif kind == "ndjson":
        text = "".join(dumps(row) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    write_atomic(path, text.encode("utf-8"), force=True)
