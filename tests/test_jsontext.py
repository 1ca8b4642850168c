"""JSON outputs never hold a bare NaN or Infinity, which no JSON parser accepts."""

import json
import math

import pytest

from vpjnd_cli.jsontext import dumps, nulled


def test_dumps_refuses_nan_and_infinity_instead_of_writing_invalid_json():
    assert dumps({"p": 0.5}) == json.dumps({"p": 0.5})
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            dumps({"probability": bad})


def test_undefined_measures_become_null_at_any_depth():
    record = {"accuracy": math.nan, "intervals": {"mad": (1.0, math.inf)}, "rows": [{"loss": -math.inf}], "n": 3}
    assert json.loads(dumps(nulled(record))) == {"accuracy": None, "intervals": {"mad": [1.0, None]},
                                                "rows": [{"loss": None}], "n": 3}
