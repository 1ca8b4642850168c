"""JSON text that every parser reads: JSON has no NaN or infinity, which Python's json writes bare.

``dumps`` refuses them (ValueError): where one reaches an output of vpjnd it is a bug, better
stopped than written. Measures that can be undefined (an accuracy over no pairs, a loss that
diverged) go through ``nulled`` first, which turns them into null.
"""

from __future__ import annotations

import json
import math
from typing import Any


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps(value, **options)`` with NaN and infinity refused."""
    return json.dumps(value, allow_nan=False, **options)


def nulled(value: Any) -> Any:
    """``value`` with every NaN or infinite float in it, at any depth, replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: nulled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [nulled(item) for item in value]
    return value
