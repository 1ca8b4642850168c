"""Judges by name. ``vpjndnet`` (the trained network) needs weights; ``pjnd`` needs none.

Importing this package is cheap: a judge's module (torch for the network) is imported only
when that judge is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vpjnd_cli.errors import UsageError
from vpjnd_cli.model.locate import default_weights_path

if TYPE_CHECKING:
    from vpjnd_cli.judges.base import Judge

JUDGES = ("vpjndnet", "pjnd")


def default_judge() -> str:
    """The network once trained weights are installed; until then the weight-free rule."""
    return "vpjndnet" if default_weights_path() is not None else "pjnd"


def get_judge(name: str, *, device: str = "auto", weights: Path | None = None) -> Judge:
    """Build a judge once per process (the network loads its weights here)."""
    if name == "pjnd":
        from vpjnd_cli.judges.pjnd import PjndJudge

        return PjndJudge()
    if name == "vpjndnet":
        from vpjnd_cli.judges.vpjndnet import NetworkJudge

        return NetworkJudge(weights, device=device)
    raise UsageError(f"unknown judge {name!r}; choose one of: {', '.join(JUDGES)}")
