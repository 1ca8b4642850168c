"""Judges by name. ``vpjndnet`` (the trained network) needs weights; ``pjnd`` needs none.

Importing this package is cheap: a judge's module (torch for the network) is imported only
when that judge is asked for.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from vpjnd_cli.errors import UsageError
from vpjnd_cli.model.locate import default_weights_path, require_weights, trained_codecs

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
              send: Send | None = None, criterion: str = "paper") -> Judge:
    """The named judge (``send``: the network is another process's; ``peak_calibration`` False
    leaves out its weights file's luma-peak calibration; ``weights`` None: the criterion's
    installed network).

    A network loaded from a file is kept for the rest of the process and handed out again while
    the file is unchanged (same size and modification time): a program calling the Python API
    once per picture loads the model once, as a command's run does.
    """
    if name == "pjnd":
        from vpjnd_cli.judges.pjnd import PjndJudge

        return PjndJudge()
    if name == "vpjndnet":
        from vpjnd_cli.judges.vpjndnet import NetworkJudge

        if send is not None:
            return NetworkJudge(require_weights(weights, criterion), device=device, peak_calibration=peak_calibration,
                                send=send)
        path = require_weights(weights, criterion).resolve()
        stat = path.stat() if path.is_file() else None
        return _loaded_network(path, None if stat is None else (stat.st_size, stat.st_mtime_ns), device,
                               peak_calibration)
    raise UsageError(f"unknown judge {name!r}; choose one of: {', '.join(JUDGES)}")


@functools.lru_cache(maxsize=4)
def _loaded_network(path: Path, state: tuple[int, int] | None, device: str, peak_calibration: bool) -> Judge:
    """``state``: the file's size and modification time, so that a rewritten file is loaded again."""
    from vpjnd_cli.judges.vpjndnet import NetworkJudge

    return NetworkJudge(path, device=device, peak_calibration=peak_calibration)
