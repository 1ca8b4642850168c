"""GPU checks: skipped where torch sees no CUDA device (CI); run on a GPU machine when one is lent."""

import numpy as np
import pytest
import torch
from netmodels import answers, picture_set, seeded_model
from test_inference import served_answers

from vpjnd_cli.judges.vpjndnet import NetworkJudge
from vpjnd_cli.model import locate
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.graph import GraphPatchJudge, accelerator_visible
from vpjnd_cli.model.inference import PatchJudge

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.mark.parametrize("config", [NetConfig(patches_per_picture=4), NetConfig.released(patches_per_picture=4)])
def test_gpu_agrees_with_cpu(config):
    model = seeded_model(config)
    reference, jnd, candidates = picture_set(300, 400, n=4)
    on_cpu = answers(model, reference, jnd, candidates)
    model_gpu = seeded_model(config).cuda()
    float32 = answers(model_gpu, reference, jnd, candidates, half=False)
    half = answers(model_gpu, reference, jnd, candidates, half=True, max_patches_per_chunk=3)
    np.testing.assert_allclose(float32, on_cpu, atol=1e-4)
    np.testing.assert_allclose(half, on_cpu, atol=2e-2)


def test_gpu_chunking_stays_close():
    model = seeded_model(NetConfig(patches_per_picture=6)).cuda()
    reference, jnd, candidates = picture_set(300, 400, n=3)
    whole = answers(model, reference, jnd, candidates, max_patches_per_chunk=64)
    np.testing.assert_allclose(answers(model, reference, jnd, candidates, max_patches_per_chunk=1), whole, atol=1e-3)


def test_auto_leaves_the_gpu_to_torch_and_the_cpu_to_the_graph():
    """The probe that decides it without importing torch sees the GPU torch sees."""
    assert accelerator_visible()
    on_auto = NetworkJudge(locate.shipped_weights_path()).scorer
    assert isinstance(on_auto, PatchJudge) and on_auto.device.type == "cuda"
    assert isinstance(NetworkJudge(locate.shipped_weights_path(), device="cpu").scorer, GraphPatchJudge)


def test_gpu_blocks_batched_together_get_the_bits_they_get_alone():
    """Fixed-size stream batches on the GPU (PatchJudge.fixed_batch): a judge server's batch gives
    each block the very answer that one process gives it, in bfloat16 as in float32."""
    model = seeded_model(NetConfig(patches_per_picture=32)).cuda()
    pictures = [picture_set(300, 400, n=n, seed=seed) for seed, n in enumerate((8, 3, 8, 5))]
    for half in (True, False):
        judge = PatchJudge(model, torch.device("cuda"), half=half)
        alone = [judge.probabilities(judge.prepare(ref, jnd), candidates) for ref, jnd, candidates in pictures]
        together = served_answers(judge, pictures)
        assert all(np.array_equal(a, b) for a, b in zip(together, alone, strict=True))


def test_the_gpu_judge_computes_the_jnd_map_and_the_luma_peak_on_the_gpu():
    from pictures import natural_picture

    from vpjnd_cli.jnd import jnd_map
    from vpjnd_cli.jnd.on_torch import jnd_map_on
    from vpjnd_cli.model.peak import LumaPeak
    from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

    judge = NetworkJudge(locate.shipped_weights_path(), device="cuda")
    assert judge.maths_device is not None and judge.maths_device.type == "cuda"
    assert isinstance(judge.peak, TorchLumaPeak)
    reference = natural_picture(540, 960, seed=3)
    for model in ("epc", "namm"):
        np.testing.assert_allclose(jnd_map_on(reference, model, judge.maths_device), jnd_map(reference, model),
                                   atol=1e-4)
    candidates = [np.clip(reference.astype(int) + shift, 0, 255).astype(np.uint8) for shift in (1, 4, 16)]
    cpu, gpu = LumaPeak(), TorchLumaPeak(LumaPeak(), judge.maths_device)
    np.testing.assert_allclose(gpu.peaks(gpu.reference(reference), candidates),
                               cpu.peaks(cpu.reference(reference), candidates), rtol=1e-4, atol=1e-7)


def test_a_worker_of_a_gpu_judge_server_does_its_maths_on_the_gpu():
    """The same kernels as one process holding the model: -j N writes the bytes of -j 1."""
    def send(request):
        raise AssertionError("not called")

    worker = NetworkJudge(locate.shipped_weights_path(), device="auto", send=send)
    assert worker.maths_device is not None and worker.maths_device.type == "cuda"
    assert NetworkJudge(locate.shipped_weights_path(), device="cpu", send=send).maths_device is None
