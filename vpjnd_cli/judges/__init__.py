"""Judges by name. ``vpjndnet`` (the trained network) needs weights; ``pjnd`` needs none.

Importing this package is cheap: a judge's module (torch for the network) is imported only
when that judge is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vpjnd_cli.errors import UsageError
from vpjnd_cli.model.locate import default_weights_path, trained_codecs

if TYPE_CHECKING:
    from vpjnd_cli.judges.base import Judge
    from vpjnd_cli.model.served import Send

JUDGES = ("vpjndnet", "pjnd")


def default_judge(codecs: Sequence[str] | None = None, weights: Path | None = None) -> str:
    """The network when the user names weights, or when the installed weights were trained on every
    codec of the run (``codecs`` None: the codec is unknown, e.g. `vpjnd judge` of a PNG); else the
    weight-free rule.

    Why per codec: a network judges the artefacts it learned. One trained on JPEG alone chose WebP
    and AVIF files that its own teacher scores far past the threshold it keeps for JPEG; the
    codecs a file was trained on are listed in its header (``training.codecs``).
    """
    if weights is not None:
        return "vpjndnet"
    installed = default_weights_path()
    if installed is None:
        return "pjnd"
    trained = trained_codecs(installed)
    if codecs is None or trained is None or all(codec in trained for codec in codecs):
        return "vpjndnet"
    return "pjnd"


def get_judge(name: str, *, device: str = "auto", weights: Path | None = None, peak_calibration: bool = True,
              send: Send | None = None) -> Judge:
    """Build a judge once per process (the network loads its weights here, unless ``send`` asks
    another process that holds it; ``peak_calibration`` False leaves out its file's luma-peak calibration)."""
    if name == "pjnd":
        from vpjnd_cli.judges.pjnd import PjndJudge

        return PjndJudge()
    if name == "vpjndnet":
        from vpjnd_cli.judges.vpjndnet import NetworkJudge

        return NetworkJudge(weights, device=device, peak_calibration=peak_calibration, send=send)
    raise UsageError(f"unknown judge {name!r}; choose one of: {', '.join(JUDGES)}")
