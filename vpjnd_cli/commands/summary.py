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
