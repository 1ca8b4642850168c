"""The network as an ONNX graph beside its weights file, run by OpenCV's dnn module on the CPU.

Why: importing torch takes over a second per process, more than judging a whole picture; OpenCV is
loaded anyway (the codecs use it) and reads the graph in a few tens of milliseconds. The graph is
written from the weights by torch's exporter (model/export.py: `vpjnd train` and `vpjnd export`)
and answers within 1e-4 of torch (tests/model/test_graph.py).

One graph holds the three parts model/scoring.py calls, side by side. Inputs: ``pixels``
[M, C, S, S] (0..255 as float32), ``jnd`` [K, 1, S, S] (grey levels), ``f_ref`` and ``f_jnd``
[P, F], ``f_dist`` [N * P, F]; outputs: ``features`` [M, F] (the image stream of ``pixels``),
``jnd_features`` [K, F] (the JND stream of ``jnd``) and ``logits`` [N] (the heads on ``f_dist`` as
N candidates of P patches against ``f_ref`` and ``f_jnd``). A call asks for one output and feeds
the inputs the others need with a single row of zeros.

The graph records the SHA-256 of the weights file it was exported from (``WEIGHTS_KEY`` in its
metadata); a graph that does not match its weights file is stale and is not used.
"""

from __future__ import annotations

import hashlib
import os
import platform
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.scoring import PatchScorer, Stream

GRAPH_SUFFIX = ".onnx"
WEIGHTS_KEY = "vpjnd_weights_sha256"
INPUTS = ("pixels", "jnd", "f_ref", "f_dist", "f_jnd")
OUTPUTS = ("features", "jnd_features", "logits")
_METADATA_FIELD = 14  # ModelProto.metadata_props: repeated StringStringEntryProto {1: key, 2: value}


def graph_path(weights: Path) -> Path:
    """Where the graph of a weights file lives: beside it, vpjndnet.safetensors -> vpjndnet.onnx."""
    return weights.with_suffix(GRAPH_SUFFIX)


def weights_digest(weights: Path) -> str:
    return hashlib.sha256(weights.read_bytes()).hexdigest()


def fresh_graph(weights: Path) -> Path | None:
    """The graph of ``weights`` when it exists and was exported from this very file, else None."""
    graph = graph_path(weights)
    try:
        recorded = graph_metadata(graph.read_bytes()).get(WEIGHTS_KEY)
    except (OSError, ValueError):
        return None
    return graph if recorded == weights_digest(weights) else None


def graph_judge(weights: Path, config: NetConfig) -> GraphPatchJudge | None:
    """The network of ``weights`` (whose ``config`` the caller has read) from its graph, or None when
    the graph is missing, stale or unreadable."""
    graph = fresh_graph(weights)
    if graph is None:
        return None
    try:
        return GraphPatchJudge(graph, config)
    except cv2.error:  # damaged beyond its metadata
        return None


def accelerator_visible() -> bool:
    """Whether torch would find a GPU for device "auto", told without importing torch: an NVIDIA
    GPU's device node that CUDA_VISIBLE_DEVICES does not hide, AMD's ROCm node, or Apple silicon
    (Metal). It may say yes where torch then finds no usable GPU (a CPU-only build): the caller asks
    torch then."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    nvidia = any(Path("/dev").glob("nvidia[0-9]*")) and (listed is None or listed.strip() not in ("", "-1"))
    apple = sys.platform == "darwin" and platform.machine() == "arm64"
    return nvidia or Path("/dev/kfd").exists() or apple


def graph_metadata(model: bytes) -> dict[str, str]:
    """The metadata_props of a serialised ONNX ModelProto, read from its top-level protobuf fields
    (the onnx package is needed only to export). ValueError when the bytes are not a protobuf."""
    found: dict[str, str] = {}
    for field, value in _fields(model):
        if field == _METADATA_FIELD and isinstance(value, bytes):
            entry = {key: text for key, text in _fields(value) if isinstance(text, bytes)}
            found[entry.get(1, b"").decode()] = entry.get(2, b"").decode()
    return found


def _fields(message: bytes) -> list[tuple[int, bytes | int]]:
    """(field number, value) of each field of a protobuf message: bytes for length-delimited ones."""
    out: list[tuple[int, bytes | int]] = []
    position = 0
    while position < len(message):
        key, position = _varint(message, position)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(message, position)
            out.append((field, value))
        elif wire == 2:
            size, position = _varint(message, position)
            if position + size > len(message):
                raise ValueError("truncated protobuf")
            out.append((field, message[position : position + size]))
            position += size
        elif wire in (1, 5):
            position += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    return out


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise ValueError("bad protobuf varint")
        byte = data[position]
        value |= (byte & 0x7F) << shift
        position, shift = position + 1, shift + 7
        if not byte & 0x80:
            return value, position


class GraphPatchJudge(PatchScorer):
    """Scores candidates with the network's ONNX graph in OpenCV's dnn module (CPU, float32)."""

    def __init__(self, graph: Path, config: NetConfig, **options: Any) -> None:
        """``config``: the weights file's (the graph does not hold it); ``options``: PatchScorer's."""
        super().__init__(config, **options)
        self.net = cv2.dnn.readNetFromONNX(str(graph))
        side, dim = config.patch_size, config.feature_dim
        self._shapes = {"pixels": (config.in_channels, side, side), "jnd": (1, side, side),
                        "f_ref": (dim,), "f_dist": (dim,), "f_jnd": (dim,)}

    def _features(self, stream: Stream, patches: np.ndarray) -> np.ndarray:
        name = "pixels" if stream == "features" else "jnd"
        return np.concatenate([self._run(stream, **{name: chunk}) for chunk in self._chunks(patches)])

    def _head(self, f_ref: np.ndarray, f_dist: np.ndarray, f_jnd: np.ndarray) -> np.ndarray:
        """On one thread: OpenCV splits the heads' sums by thread count, and their last bits with them
        (-j 1 runs two threads, each -j 2 worker one); the heads take ~3 ms of a 1080p candidate's ~30."""
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        try:
            return self._run("logits", f_ref=f_ref, f_dist=f_dist, f_jnd=f_jnd).reshape(-1)
        finally:
            cv2.setNumThreads(threads)

    def _run(self, output: str, **inputs: np.ndarray) -> np.ndarray:
        """One output of the graph from the inputs it needs; the others get a row of zeros."""
        for name in INPUTS:
            blob = inputs[name] if name in inputs else np.zeros((1, *self._shapes[name]), np.float32)
            self.net.setInput(np.ascontiguousarray(blob, dtype=np.float32), name)
        return np.asarray(self.net.forward(output))
