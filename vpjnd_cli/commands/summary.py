"""How search results are shown: one human line, or a JSON object with every number."""

from __future__ import annotations

import math
from typing import Any

from vpjnd_cli.codecs.base import Codec
from vpjnd_cli.pipeline import Prediction


def level_text(codec: Codec, prediction: Prediction, index: int) -> str:
    return f"{codec.setting_name} {prediction.ladder[index].label}"


def prediction_record(path: str, codec: Codec, judge: str, sur: float, prediction: Prediction) -> dict[str, Any]:
    """Everything the search measured, JSON-ready (levels as the codec's own labels)."""
    ladder = prediction.ladder
    return {
        "path": path,
        "codec": codec.name,
        "setting_name": codec.setting_name,
        "judge": judge,
        "sur": sur,
        "passed": prediction.passed,
        "level": None if prediction.level is None else prediction.level.label,
        "setting": None if prediction.level is None else prediction.level.setting,
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


def compress_line(record: dict[str, Any], show_skipped: bool) -> str | None:
    """The human line of a compress record (failures are reported on stderr instead)."""
    status, path = record["status"], record["path"]
    seconds = f"{record.get('total_seconds') or 0:.2f} s"
    dry = " [dry run]" if record.get("note") and "dry run" in record["note"] else ""
    if status == "skipped":
        return f"{path}: skipped ({record['note']})" if show_skipped else None
    if status == "kept original":
        where = "" if record["output"] == path else f" -> {record['output']}"
        return f"{path}{where}: original kept ({record['note']}), {seconds}"
    if status not in ("ok", "no level passed"):
        return None
    level = f"{record['codec']} {record['setting_name']} {record['written_level']}"
    return (
        f"{path} -> {record['output']}: {level} ({probability_text(record['written_probability'])}), "
        f"{record['bytes_out']:,} bytes, {100 * record['saving']:.1f} % smaller than the input, "
        f"{plural(record['evaluations'], 'evaluation')} in {plural(record['batches'], 'batch')}, {seconds}{dry}"
    )


def predict_line(record: dict[str, Any], show_skipped: bool) -> str | None:
    """The human line of a predict record."""
    path = record["path"]
    if record["status"] == "ok":
        level = f"{record['setting_name']} {record['level']}"
        return f"{path}: {record['codec']} {level} ({probability_text(record['probability'])})"
    if record["status"] == "no level passed":
        return f"{path}: {record['codec']} none (no level reaches SUR {record['sur']:g})"
    return None
