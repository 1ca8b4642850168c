"""Writing the ONNX graph of a weights file (model/graph.py) with torch's exporter.

Needs the onnx package (the `onnx` extra: pip install 'vpjnd[onnx]'), for this step only: the graph
then runs without torch or onnx. The TorchScript-based exporter is used: it needs no further
package, and the graph it traces from the network is the one the tests compare with torch.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch
from torch import Tensor, nn

from vpjnd_cli.errors import ToolMissingError
from vpjnd_cli.imageio import write_atomic
from vpjnd_cli.model.graph import INPUTS, OUTPUTS, WEIGHTS_KEY, graph_path, weights_digest
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.weights import load_model

OPSET = 17
_EXAMPLE_PATCHES = 2  # per picture, in the traced example; every axis that varies is dynamic


class _Graph(nn.Module):
    """The network as model/graph.py's one graph: the image and JND streams and the heads, apart."""

    def __init__(self, model: VPJNDNet) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixels: Tensor, jnd: Tensor, f_ref: Tensor, f_dist: Tensor,
                f_jnd: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        candidates = f_dist.view(-1, *f_ref.shape)
        return self.model.features(pixels), self.model.jnd_features(jnd), self.model.head(f_ref, candidates, f_jnd)


def export_graph(weights: Path, output: Path | None = None) -> Path:
    """Write the graph of ``weights`` (default: beside it, model/graph.py's graph_path) and return
    its path; ToolMissingError when the onnx package is not installed."""
    try:
        import onnx
    except ImportError:
        raise ToolMissingError("exporting the network's ONNX graph needs the onnx package: "
                               "pip install 'vpjnd[onnx]'") from None
    model = load_model(weights, "cpu")
    config = model.config
    generator = torch.Generator().manual_seed(0)
    side, count, dim = config.patch_size, _EXAMPLE_PATCHES, config.feature_dim
    example = (
        torch.randint(0, 256, (3, config.in_channels, side, side), generator=generator).float(),
        torch.rand(1, 1, side, side, generator=generator) * 20,
        torch.rand(count, dim, generator=generator),
        torch.rand(2 * count, dim, generator=generator),
        torch.rand(count, dim, generator=generator),
    )
    axes = {"pixels": {0: "m"}, "jnd": {0: "k"}, "f_ref": {0: "p"}, "f_dist": {0: "np"}, "f_jnd": {0: "p"},
            "features": {0: "m"}, "jnd_features": {0: "k"}, "logits": {0: "n"}}
    target = output or graph_path(weights)
    part = target.with_name(f"{target.name}.export")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
            torch.onnx.export(_Graph(model), example, str(part), dynamo=False, opset_version=OPSET,
                              input_names=list(INPUTS), output_names=list(OUTPUTS), dynamic_axes=axes)
        graph = onnx.load(str(part))
    finally:
        part.unlink(missing_ok=True)
    onnx.helper.set_model_props(graph, {WEIGHTS_KEY: weights_digest(weights)})
    return write_atomic(target, graph.SerializeToString(), force=True)
