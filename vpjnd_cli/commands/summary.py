"""How search results are shown: one human line, or a JSON object with every number."""

from __future__ import annotations

import math
from typing import Any

from vpjnd_cli.codecs.base import Codec, Level
from vpjnd_cli.pipeline import Prediction


def level_text(codec: Codec, prediction: Prediction, index: int) -> str:
    return f"{codec.setting_name} {prediction.ladder[index].label}"


def level_fields(level: Level | None, prefix: str = "") -> dict[str, Any]:
    """A level as the codec's integer setting (QF, QP, quality) and its chroma sampling."""
    return {f"{prefix}level": None if level is None else level.setting,
            f"{prefix}chroma": None if level is None else level.chroma}


def prediction_record(path: str, codec: Codec, judge: str, sur: float, prediction: Prediction) -> dict[str, Any]:
    """Everything the search measured, JSON-ready (the probabilities keyed by the codec's level labels)."""
    ladder = prediction.ladder
    return {
        "path": path,
        "codec": codec.name,
        "setting_name": codec.setting_name,
        "judge": judge,
        "sur": sur,
        "passed": prediction.passed,
        **level_fields(prediction.level),
        "probability": None if prediction.chosen is None else prediction.probabilities[prediction.chosen],
        "evaluations": prediction.evaluations,
        "encodes": prediction.encodes,
        "batches": prediction.batches,
        "probabilities": {ladder[i].label: round(p, 6) for i, p in sorted(prediction.probabilities.items())},
        "seconds": {stage: round(value, 4) for stage, value in prediction.seconds.items()},
    }


def probability_text(probability: float | None) -> str:
    return "P n/a" if probability is None or math.isnan(probability) else f"P {probability:.3f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}{'es' if noun.endswith('ch') else 's'}"


def _label(record: dict[str, Any], prefix: str = "") -> str:
    """A record's level as users write it: QF 50, or QF 50/444 for a 4:4:4 rung."""
    return f"{record['setting_name']} {Level(record[prefix + 'level'], record[prefix + 'chroma']).label}"


def compress_line(record: dict[str, Any], show_skipped: bool) -> str | None:
    """The human line of a compress record (failures are reported on stderr instead): what was
    written, and how much smaller than the input it is."""
    status, path = record["status"], record["path"]
    seconds = f"{record.get('total_seconds') or 0:.2f} s"
    dry = " [dry run]" if record.get("note") and "dry run" in record["note"] else ""
    if status == "skipped":
        return f"{path}: skipped ({record['note']})" if show_skipped else None
    where = f" -> {record['output']}" if record["output"] != path else ""
    if record.get("requested"):
        where += f" (not {record['requested']})"
    if status == "kept original":
        return f"{path}{where}: original kept ({record['note']}), {seconds}{dry}"
    if status not in ("ok", "no level passed"):
        return None
    return (
        f"{path}{where}: {record['codec']} {_label(record, 'written_')} "
        f"({probability_text(record['written_probability'])}), "
        f"{record['bytes_out']:,} bytes, {100 * record['saving']:.1f} % smaller than the input, "
        f"{plural(record['evaluations'], 'evaluation')} in {plural(record['batches'], 'batch')}, {seconds}{dry}"
    )


def predict_line(record: dict[str, Any], show_skipped: bool) -> str | None:
    """The human line of a predict record."""
    path = record["path"]
    if record["status"] == "ok":
        level = _label(record)
        return f"{path}: {record['codec']} {level} ({probability_text(record['probability'])})"
    if record["status"] == "no level passed":
        return f"{path}: {record['codec']} none (no level reaches SUR {record['sur']:g})"
    return None
