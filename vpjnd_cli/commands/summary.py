"""How results are shown: one human line per picture (``--json`` prints ``Result.to_json()``)."""

from __future__ import annotations

import math

from vpjnd_cli.display import plural
from vpjnd_cli.results import Result, Status


def probability_text(probability: float | None, criterion: str | None = None) -> str:
    """"P 0.812", with the criterion when it is not the default one ("P 0.812, strict")."""
    shown = "P n/a" if probability is None or math.isnan(probability) else f"P {probability:.3f}"
    return shown if criterion in (None, "paper") else f"{shown}, {criterion}"


def compress_line(result: Result, show_skipped: bool) -> str | None:
    """The human line of a compress result (failures are reported on stderr instead): what was
    written, and how much smaller than the input it is."""
    status, path = result.status, result.path
    seconds = f"{result.total_seconds or 0:.2f} s"
    dry = " [dry run]" if result.note and "dry run" in result.note else ""
    if status is Status.SKIPPED:
        return f"{path}: skipped ({result.note})" if show_skipped else None
    where = f" -> {result.output}" if result.output != path else ""
    if result.requested:
        where += f" (not {result.requested})"
    if status is Status.KEPT_ORIGINAL:
        return f"{path}{where}: original kept ({result.note}), {seconds}{dry}"
    if status not in (Status.OK, Status.NO_LEVEL_PASSED):
        return None
    return (
        f"{path}{where}: {result.codec} {result.level_label(written=True)} "
        f"({probability_text(result.written_probability, result.criterion)}), "
        f"{result.bytes_out or 0:,} bytes, {100 * (result.saving or 0.0):.1f} % smaller than the input, "
        f"{plural(result.evaluations or 0, 'evaluation')} in {plural(result.batches or 0, 'batch')}, {seconds}{dry}"
    )


def predict_line(result: Result, show_skipped: bool) -> str | None:
    """The human line of a predict result."""
    if result.status is Status.OK:
        shown = probability_text(result.probability, result.criterion)
        return f"{result.path}: {result.codec} {result.level_label()} ({shown})"
    if result.status is Status.NO_LEVEL_PASSED:
        criterion = "" if result.criterion in (None, "paper") else f" ({result.criterion})"
        return f"{result.path}: {result.codec} none (no level reaches SUR {result.sur:g}{criterion})"
    return None
