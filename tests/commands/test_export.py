"""`vpjnd export`: the graph of a weights file beside it, and a clear error without the onnx package."""

from __future__ import annotations

import subprocess
import sys

import torch

from vpjnd_cli.cli import run
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.graph import fresh_graph
from vpjnd_cli.model.network import VPJNDNet
from vpjnd_cli.model.weights import save_weights


def tiny_weights(path):
    torch.manual_seed(0)
    save_weights(VPJNDNet(NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8,
                                    patch_size=16, patches_per_picture=4)), path)
    return path


def test_export_writes_the_graph_beside_the_weights(tmp_path, capsys):
    weights = tiny_weights(tmp_path / "mine.safetensors")
    assert fresh_graph(weights) is None
    assert run(["export", str(weights)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "mine.onnx")
    assert fresh_graph(weights) == tmp_path / "mine.onnx"


def test_export_errors(tmp_path, capsys):
    assert run(["export", str(tmp_path / "absent.safetensors")]) == 2
    assert "weights file not found" in capsys.readouterr().err
    weights = tiny_weights(tmp_path / "mine.safetensors")
    code = ("import sys; sys.modules['onnx'] = None; from vpjnd_cli.cli import run; "
            f"sys.exit(run(['export', {str(weights)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 3 and "pip install 'vpjnd[onnx]'" in done.stderr
    assert done.stderr.count("\n") == 1 and not (tmp_path / "mine.onnx").exists()
