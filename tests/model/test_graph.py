"""The network's ONNX graph in OpenCV: the same answers as torch (within 1e-4) for every part of the
network, used only when it belongs to its weights file, and no torch import on the CPU."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
from netmodels import picture_set, seeded_model
from pictures import natural_picture, real_photo

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model import locate
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.export import export_graph
from vpjnd_cli.model.graph import (
    WEIGHTS_KEY,
    GraphPatchJudge,
    fresh_graph,
    graph_metadata,
    graph_path,
    weights_digest,
)
from vpjnd_cli.model.inference import PatchJudge
from vpjnd_cli.model.peak import PeakCalibration
from vpjnd_cli.model.variants import VARIANTS
from vpjnd_cli.model.weights import save_weights

SHIPPED = locate.shipped_weights_path()
TOLERANCE = 1e-4
CALIBRATION = PeakCalibration(net_scale=1.5, bias=-2.0, peak_slope=-1.0)  # steeper than the network alone


def discriminating(model):
    """``model`` with heads that tell candidates apart from random weights: the heads read the
    distortion 100x magnified, and the patch vote is not a plain mean (weights that differ from patch
    to patch), so that a wrong part of the graph shows in the answer."""
    with torch.no_grad():
        model.weight_head.fc2.bias.fill_(0.5)
        model.weight_head.fc2.weight.mul_(50)
        model.quality_head.fc2.weight.mul_(100)
    return model


def both_ways(weights, reference, jnd, candidates, **options):
    """P of the candidates by torch and by the exported graph, and the graph one candidate at a time."""
    export_graph(weights)
    graph = GraphPatchJudge(graph_path(weights), NetworkJudge(weights, device="cpu").scorer.config, **options)
    torch_judge = PatchJudge.from_weights(weights, "cpu", **options)
    prepared = graph.prepare(reference, jnd)
    alone = np.concatenate([graph.probabilities(prepared, [candidate]) for candidate in candidates])
    return torch_judge.probabilities(torch_judge.prepare(reference, jnd), candidates), \
        graph.probabilities(prepared, candidates), alone


def real_candidates(reference):
    """A real picture's JPEG and WebP versions, light to heavy, as the search decodes them."""
    out = []
    for name, settings in (("jpeg", (95, 60, 35, 20, 8)), ("webp", (90, 30, 5))):
        codec = get_codec(name)
        levels = {level.setting: level for level in codec.levels()}
        out += [codec.decode(codec.encode(reference, levels[setting])) for setting in settings]
    return out


def judged_both_ways(weights, reference, candidates, **options):
    """The whole judge's answers (network and luma peak) from the graph beside ``weights`` and from
    torch, which runs a copy of the same file that has no graph beside it."""
    alone = weights.parent / "no-graph" / weights.name
    alone.parent.mkdir(exist_ok=True)
    shutil.copy(weights, alone)
    by_graph, by_torch = NetworkJudge(weights, device="cpu", **options), NetworkJudge(alone, device="cpu", **options)
    assert isinstance(by_graph.scorer, GraphPatchJudge) and isinstance(by_torch.scorer, PatchJudge)
    jnd = jnd_map(reference, "epc")
    return tuple(judge.probabilities(judge.prepare(reference, jnd), candidates) for judge in (by_graph, by_torch))


@pytest.mark.parametrize("changes", [
    {},  # channel attention, non-local block, mean/std pooling, figure heads, ReLU vote
    {"flip_average": True, "weight_activation": "softplus"},
    {"orient_patches": True},
    {"pooling": "none", "weight_head_input": "released", "jnd_divisor": 255.0, "jnd_offset": 0.5},
    {"attention": ("none", "channel", "nonlocal", "nonlocal"), "share_jnd_extractor": True, "jnd_channels": 3},
], ids=["default", "flips-softplus", "oriented", "released-heads", "shared-extractor"])
def test_the_graph_answers_as_torch_does_for_every_part_of_the_network(tmp_path, small_config, changes):
    model = discriminating(seeded_model(dataclasses.replace(small_config, **{"difference_gain": 100.0, **changes})))
    weights = tmp_path / "w.safetensors"
    save_weights(model, weights)
    reference, jnd, candidates = picture_set(70, 100, n=4)
    by_torch, by_graph, alone = both_ways(weights, reference, jnd, candidates)
    np.testing.assert_allclose(by_graph, by_torch, atol=TOLERANCE, rtol=0)
    np.testing.assert_allclose(alone, by_graph, atol=1e-6, rtol=0)
    assert np.ptp(by_torch) > 1e-3  # the candidates are told apart, so the comparison means something
    chunked = GraphPatchJudge(graph_path(weights), model.config, max_patches_per_chunk=3)  # streams 3 patches a call
    np.testing.assert_allclose(chunked.probabilities(chunked.prepare(reference, jnd), candidates), by_graph,
                               atol=1e-6, rtol=0)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_variant_judges_real_pictures_through_the_graph_as_through_torch(tmp_path, name):
    """Whatever variant the shipped file is trained as, the graph exported from it gives the
    judge's answers, network and luma-peak calibration together, within 1e-4 of torch's."""
    reference = real_photo()
    candidates = real_candidates(reference)
    weights = tmp_path / "w.safetensors"
    save_weights(discriminating(seeded_model(VARIANTS[name])), weights, calibration=CALIBRATION)
    export_graph(weights)
    by_graph, by_torch = judged_both_ways(weights, reference, candidates)
    np.testing.assert_allclose(by_graph, by_torch, atol=TOLERANCE, rtol=0)
    assert np.ptp(by_torch) > 1e-2
    network_by_graph, network_by_torch = judged_both_ways(weights, reference, candidates, peak_calibration=False)
    np.testing.assert_allclose(network_by_graph, network_by_torch, atol=TOLERANCE, rtol=0)
    assert np.ptp(network_by_torch) > 1e-3 and np.abs(by_torch - network_by_torch).max() > 1e-2


@pytest.mark.parametrize("criterion", ["paper", "strict"])
def test_the_shipped_graph_belongs_to_the_shipped_weights_and_answers_as_torch(tmp_path, criterion):
    """When the shipped weights change, `make graph` (vpjnd export) writes their graph again: this
    test fails while a shipped pair is stale."""
    shipped = locate.shipped_weights_path(criterion)
    assert fresh_graph(shipped) == graph_path(shipped), f"stale {graph_path(shipped).name}: run `make graph`"
    weights = tmp_path / shipped.name
    shutil.copy(shipped, weights)
    shutil.copy(graph_path(shipped), graph_path(weights))
    reference = real_photo()
    by_graph, by_torch = judged_both_ways(weights, reference, real_candidates(reference))
    np.testing.assert_allclose(by_graph, by_torch, atol=TOLERANCE, rtol=0)
    assert by_torch[0] > 0.5 > by_torch[4]  # JPEG quality 95 passes, 8 fails


def test_a_missing_or_stale_graph_leaves_the_network_to_torch(tmp_path, small_model):
    weights = tmp_path / "w.safetensors"
    save_weights(small_model, weights)
    assert fresh_graph(weights) is None and isinstance(NetworkJudge(weights).scorer, PatchJudge)
    export_graph(weights)
    assert fresh_graph(weights) == graph_path(weights)
    assert isinstance(NetworkJudge(weights, device="cpu").scorer, GraphPatchJudge)
    assert graph_metadata(graph_path(weights).read_bytes())["vpjnd_weights_sha256"]
    save_weights(seeded_model(small_model.config, seed=1), weights)  # retrained under the same name
    assert fresh_graph(weights) is None and isinstance(NetworkJudge(weights).scorer, PatchJudge)
    graph_path(weights).write_bytes(b"\x0a\xff\xff")  # not a graph at all
    assert fresh_graph(weights) is None and isinstance(NetworkJudge(weights, device="cpu").scorer, PatchJudge)
    empty = onnx.ModelProto()  # the right weights named, but no network: OpenCV refuses it
    onnx.helper.set_model_props(empty, {WEIGHTS_KEY: weights_digest(weights)})
    graph_path(weights).write_bytes(empty.SerializeToString())
    assert fresh_graph(weights) == graph_path(weights)
    assert isinstance(NetworkJudge(weights, device="cpu").scorer, PatchJudge)


def test_the_graph_of_weights_copied_elsewhere_still_belongs_to_them(tmp_path, small_model):
    weights = tmp_path / "best.safetensors"
    save_weights(small_model, weights)
    export_graph(weights)
    shipped = tmp_path / "ship" / "vpjndnet.safetensors"
    shipped.parent.mkdir()
    shutil.copy(weights, shipped)
    shutil.copy(graph_path(weights), graph_path(shipped))
    assert fresh_graph(shipped) == graph_path(shipped)


def test_export_is_deterministic(tmp_path, small_model):
    weights = tmp_path / "w.safetensors"
    save_weights(small_model, weights)
    first = export_graph(weights).read_bytes()
    assert export_graph(weights).read_bytes() == first


def test_judging_on_the_cpu_does_not_import_torch():
    code = ("import sys, numpy as np; from vpjnd_cli.judges import get_judge; from vpjnd_cli.jnd import jnd_map; "
            "rng = np.random.default_rng(0); picture = rng.integers(0, 256, (200, 300, 3), dtype=np.uint8); "
            "judge = get_judge('vpjndnet'); p = judge.probabilities(judge.prepare(picture, jnd_map(picture, 'epc')), "
            "[picture]); print(type(judge.scorer).__name__, 'torch' in sys.modules, float(p[0]) > 0.5)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["GraphPatchJudge", "False", "True"]


def test_a_config_that_the_graph_cannot_hold_is_caught_by_the_comparison(tmp_path):
    """The check above is not vacuous: other weights in the graph than in torch show at once."""
    config = NetConfig(channels=(8, 16, 16, 32), patch_size=32, patches_per_picture=4, hidden=16)
    weights = tmp_path / "w.safetensors"
    save_weights(seeded_model(config, seed=0), weights)
    export_graph(weights)
    save_weights(seeded_model(config, seed=1), weights)
    graph = GraphPatchJudge(graph_path(weights), config)
    torch_judge = PatchJudge.from_weights(weights, "cpu")
    reference, jnd, candidates = picture_set(70, 100, n=4)
    by_torch = torch_judge.probabilities(torch_judge.prepare(reference, jnd), candidates)
    by_graph = graph.probabilities(graph.prepare(reference, jnd), candidates)
    assert np.abs(by_graph - by_torch).max() > TOLERANCE


def test_a_candidates_answer_does_not_depend_on_its_block_nor_on_opencvs_threads():
    """-j 1 runs OpenCV on two threads and each -j 2 worker on one, and the searches judge blocks of
    any size: the same candidate must get the same bits in all of them (a small picture: several
    candidates per call of the streams, where the heads' sums used to differ in the last bits)."""
    import cv2

    judge = NetworkJudge(SHIPPED, device="cpu")
    reference = natural_picture(120, 160, seed=1)
    codec = get_codec("jpeg")
    candidates = [codec.decode(codec.encode(reference, level)) for level in codec.levels()[40:52]]
    prepared = judge.prepare(reference, jnd_map(reference, "epc"))
    threads = cv2.getNumThreads()
    try:
        answers = []
        for count in (1, 2):
            cv2.setNumThreads(count)
            answers.append(np.array([judge.probabilities(prepared, [one])[0] for one in candidates]))
            answers += [judge.probabilities(prepared, candidates[:size]) for size in (3, 5, 7, 12)]
    finally:
        cv2.setNumThreads(threads)
    for answer in answers:
        assert np.array_equal(answer, answers[0][: len(answer)])
