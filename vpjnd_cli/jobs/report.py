"""``--report FILE``: one row per input, as JSON, CSV or NDJSON (chosen by the extension), or a
page to check each picture by eye (HTML: html_report.py); and the totals that the closing
summary shows.

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
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vpjnd_cli import __version__
from vpjnd_cli.errors import OutputError, UsageError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.jobs.html_report import PictureView, write_page

COLUMNS = (
    "path", "output", "requested", "status", "codec", "level", "chroma", "probability", "written_level",
    "written_chroma", "passed", "judge", "weights", "jnd_model", "criterion", "sur", "bytes_in", "bytes_out", "saving",
    "evaluations", "seconds", "written", "note", "error",
)
FORMATS = {".json": "json", ".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".html": "html"}
PROCESSED = ("ok", "no level passed", "kept original")  # statuses whose bytes count in the totals


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


def report_row(record: dict[str, Any]) -> dict[str, Any]:
    """The report's columns of a job record (``seconds`` is the job's total)."""
    return {column: record.get("total_seconds" if column == "seconds" else column) for column in COLUMNS}


def totals(records: Sequence[dict[str, Any]], *, seconds: float, interrupted: bool = False) -> dict[str, Any]:
    """Counts per status, bytes in and out of the processed inputs, the overall saving, the time."""
    counts: dict[str, int] = {}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    processed = [r for r in records if r["status"] in PROCESSED and r.get("bytes_out") is not None]
    bytes_in = sum(r["bytes_in"] for r in processed)
    bytes_out = sum(r["bytes_out"] for r in processed)
    return {
        "files": len(records),
        "statuses": counts,
        "failed": counts.get("failed", 0),
        "bytes_in": bytes_in,
        "bytes_out": bytes_out,
        "saving": round(1 - bytes_out / bytes_in, 6) if bytes_in else None,
        "seconds": round(seconds, 3),
        "interrupted": interrupted,
    }


def write_report(
    path: Path, records: Sequence[dict[str, Any]], summary: dict[str, Any], views: Sequence[PictureView | None] = ()
) -> None:
    """Write the report (replacing an older one) in the format its extension names; ``views``:
    each record's pictures, for HTML."""
    rows = [report_row(record) for record in records]
    kind = FORMATS[path.suffix.lower()]
    if kind == "html":
        write_page(path, records, views, summary)
        return
    if kind == "json":
        text = json.dumps({"vpjnd": __version__, "summary": summary, "files": rows}, indent=1) + "\n"
    elif kind == "ndjson":
        text = "".join(json.dumps(row) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    write_atomic(path, text.encode("utf-8"), force=True)
