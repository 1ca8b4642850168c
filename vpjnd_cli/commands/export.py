"""`vpjnd export`: write a weights file's ONNX graph beside it, so the network runs on the CPU
without torch (`vpjnd train` writes it for the weights it makes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def export_command(
    weights: Annotated[Path | None, typer.Argument(
        help="VP-JNDnet weights file (default: $VPJND_WEIGHTS or the shipped model).", metavar="WEIGHTS",
        show_default=False)] = None,
) -> None:
    """Write the network's ONNX graph beside its weights file (vpjndnet.safetensors -> vpjndnet.onnx).

    On the CPU the judge runs the graph, without torch, while it belongs to that very weights file
    (it names the file's SHA-256); a missing or stale graph leaves the network to torch. Needs the
    onnx package: pip install 'vpjnd\\[onnx]'.

    Examples:

    vpjnd export
    vpjnd export run/best.safetensors
    """
    from vpjnd_cli.model.export import export_graph
    from vpjnd_cli.model.locate import require_weights

    typer.echo(export_graph(require_weights(weights)))
