"""vpjnd: perceptually lossless image compression (VP-JND).

The Python API (vpjnd_cli/api.py)::

    from vpjnd_cli import Settings, compress

    result = compress("photo.png", "photo.jpg", Settings(sur=0.9))

Its names are loaded on first use, so that ``import vpjnd_cli`` (and ``vpjnd --help``) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from vpjnd_cli.api import Judgement, compress, compress_many, judge, predict, predict_many
    from vpjnd_cli.errors import VpjndError
    from vpjnd_cli.results import CodecOutcome, Result, Status, Totals
    from vpjnd_cli.settings import Settings

_EXPORTS = {
    "compress": "vpjnd_cli.api", "compress_many": "vpjnd_cli.api", "predict": "vpjnd_cli.api",
    "predict_many": "vpjnd_cli.api", "judge": "vpjnd_cli.api", "Judgement": "vpjnd_cli.api",
    "Settings": "vpjnd_cli.settings", "Result": "vpjnd_cli.results", "Status": "vpjnd_cli.results",
    "CodecOutcome": "vpjnd_cli.results", "Totals": "vpjnd_cli.results", "VpjndError": "vpjnd_cli.errors",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'vpjnd_cli' has no attribute {name!r}")
