"""The shipped VP-JNDnet (vpjnd_cli/weights/vpjndnet.safetensors): found by default, small, and sane on real pictures.

Its held-out accuracy is measured by `vpjnd evaluate` (weights/MODEL_CARD.md), not here; these
tests catch a missing, foreign or broken file and a network that no longer ranks distortion.
"""

from __future__ import annotations

import numpy as np
import pytest
from pictures import natural_picture, real_photo

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges import default_judge, get_judge
from vpjnd_cli.model import locate
from vpjnd_cli.model.weights import read_header

SHIPPED = locate.shipped_weights_path()


@pytest.fixture(autouse=True)
def no_override(monkeypatch):
    monkeypatch.delenv(locate.ENV_VARS["paper"], raising=False)


def test_the_shipped_model_is_the_default_judge():
    assert SHIPPED.is_file() and SHIPPED.stat().st_size < 50 * 2**20
    assert locate.default_weights_path() == SHIPPED
    assert default_judge() == "vpjndnet"
    header = read_header(SHIPPED)
    assert header.ema and header.training["layout"] == "corpus"
    assert sorted(header.training["codecs"]) == ["avif", "bpg", "heic", "jpeg", "webp"]
    assert all(default_judge([codec]) == "vpjndnet" for codec in header.training["codecs"])
    assert default_judge(["jxl"]) == "pjnd"  # no network is trained on JPEG XL


@pytest.mark.parametrize("picture", [lambda: natural_picture(480, 640, seed=3), real_photo], ids=["generated", "lena"])
def test_it_passes_light_and_fails_heavy_jpeg(picture):
    reference = picture()
    judge = get_judge("vpjndnet", device="cpu")
    jpeg = get_codec("jpeg")
    levels = {level.setting: level for level in jpeg.levels()}
    candidates = [jpeg.decode(jpeg.encode(reference, levels[q])) for q in (100, 90, 50, 20, 5)]
    p = judge.probabilities(judge.prepare(reference, jnd_map(reference, "epc")), candidates)
    assert p[0] > 0.9 and p[-1] < 0.1
    assert p[0] >= p[2] >= p[-1]
    assert np.all(np.isfinite(p))


def test_the_default_judge_follows_the_codecs_the_weights_learned(tmp_path, monkeypatch):
    from pathlib import Path

    import torch

    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.weights import save_weights

    torch.manual_seed(0)
    model = VPJNDNet(NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8,
                               patch_size=16, patches_per_picture=4))
    listed, older, older_two = (tmp_path / f"{name}.safetensors" for name in ("listed", "older", "older-two"))
    save_weights(model, listed, training={"codec": "jpeg+webp", "codecs": ["jpeg", "webp"]})
    save_weights(model, older, training={"codec": "jpeg"})  # files from before the codec list
    save_weights(model, older_two, training={"codec": "jpeg+webp"})
    assert locate.trained_codecs(listed) == ("jpeg", "webp") and locate.trained_codecs(older) == ("jpeg",)
    assert locate.trained_codecs(older_two) == ("jpeg", "webp")  # as calibrate --heads-only reads it
    monkeypatch.setenv(locate.ENV_VARS["paper"], str(listed))
    assert default_judge(("webp",)) == default_judge(("jpeg", "webp")) == default_judge(None) == "vpjndnet"
    assert default_judge(("avif",)) == default_judge(("jpeg", "avif")) == "pjnd"
    monkeypatch.setenv(locate.ENV_VARS["paper"], str(older))
    assert default_judge(("jpeg",)) == "vpjndnet" and default_judge(("webp",)) == "pjnd"
    assert default_judge(("bpg",), Path("mine.safetensors")) == "vpjndnet"  # the user's weights, the user's call
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\xff" * 64)
    assert locate.trained_codecs(junk) is None and locate.trained_codecs(tmp_path / "absent") is None


def test_a_calibrated_file_fuses_the_network_with_the_luma_peak(tmp_path):
    import torch

    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.peak import PeakCalibration
    from vpjnd_cli.model.weights import save_weights

    torch.manual_seed(0)
    model = VPJNDNet(NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8,
                               patch_size=16, patches_per_picture=4))
    calibration = PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8)
    plain, calibrated = tmp_path / "plain.safetensors", tmp_path / "calibrated.safetensors"
    save_weights(model, plain)
    save_weights(model, calibrated, calibration=calibration)
    reference = natural_picture(48, 64, seed=2)
    jpeg = get_codec("jpeg")
    levels = {level.setting: level for level in jpeg.levels()}
    candidates = [reference] + [jpeg.decode(jpeg.encode(reference, levels[q])) for q in (90, 30)]
    scores = {}
    for path in (plain, calibrated):
        judge = NetworkJudge(path, device="cpu")
        scores[path] = judge.probabilities(judge.prepare(reference, jnd_map(reference, "epc")), candidates)
    statistic = calibration.statistic
    expected = calibration.apply(scores[plain], statistic.peaks(statistic.reference(reference), candidates))
    np.testing.assert_allclose(scores[calibrated], expected, rtol=1e-12)
    network_alone = NetworkJudge(calibrated, device="cpu", peak_calibration=False)
    p = network_alone.probabilities(network_alone.prepare(reference, jnd_map(reference, "epc")), candidates)
    np.testing.assert_array_equal(p, scores[plain])
    assert scores[calibrated][0] == pytest.approx(1.0) and scores[calibrated][1] > scores[calibrated][2]


def test_weights_whose_finite_values_overflow_are_refused_and_no_json_says_nan(tmp_path):
    """Finite tensors can still overflow to NaN; `judge --json` printed a bare NaN (invalid JSON)."""
    import subprocess
    import sys

    import torch
    from PIL import Image

    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.weights import save_weights

    torch.manual_seed(0)
    model = VPJNDNet(NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8,
                               patch_size=16, patches_per_picture=4))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(1e30)
    weights = tmp_path / "overflow.safetensors"
    save_weights(model, weights)
    reference, distorted = tmp_path / "a.png", tmp_path / "b.png"
    Image.fromarray(natural_picture(48, 64, seed=2)).save(reference)
    Image.fromarray(natural_picture(48, 64, seed=3)).save(distorted)
    result = subprocess.run([sys.executable, "-m", "vpjnd_cli", "judge", str(reference), str(distorted),
                             "--judge", "vpjndnet", "--weights", str(weights), "--device", "cpu", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (f"vpjnd: error: {weights}: the network's answer is not a number (its values "
                             "overflow): unusable weights\n")


def test_a_process_loads_a_weights_file_once_and_again_when_it_changes(tmp_path):
    import os
    import shutil

    weights = tmp_path / SHIPPED.name
    shutil.copy(SHIPPED, weights)
    first = get_judge("vpjndnet", device="cpu", weights=weights)
    assert get_judge("vpjndnet", device="cpu", weights=weights) is first
    assert get_judge("vpjndnet", device="cpu", weights=weights, peak_calibration=False) is not first
    stat = weights.stat()
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # rewritten, as by a training run
    assert get_judge("vpjndnet", device="cpu", weights=weights) is not first


def test_maths_on_a_torch_device_give_the_opencv_answers():
    """On a CUDA GPU the judge computes the JND map and the luma peak with torch; the same code on
    torch's CPU must give the probabilities of the OpenCV path."""
    import torch

    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.peak_on_torch import TorchLumaPeak

    reference = natural_picture(144, 192, seed=8)
    jpeg = get_codec("jpeg")
    levels = {level.setting: level for level in jpeg.levels()}
    candidates = [jpeg.decode(jpeg.encode(reference, levels[q])) for q in (95, 70, 40, 10)]
    opencv, on_torch = NetworkJudge(SHIPPED, device="cpu"), NetworkJudge(SHIPPED, device="cpu")
    assert opencv.maths_device is None  # a CPU judge keeps the OpenCV path, and so does a served one here
    if not torch.cuda.is_available():
        assert NetworkJudge(SHIPPED, device="auto", send=lambda request: np.zeros(0)).maths_device is None
    on_torch.run_maths_on(torch.device("cpu"))
    assert isinstance(on_torch.peak, TorchLumaPeak)
    maps = [judge.jnd_map(reference, "epc") for judge in (opencv, on_torch)]
    np.testing.assert_allclose(maps[1], maps[0], atol=1e-4)
    p = [judge.probabilities(judge.prepare(reference, jnd), candidates)
         for judge, jnd in zip((opencv, on_torch), maps, strict=True)]
    np.testing.assert_allclose(p[1], p[0], atol=1e-4)
    assert p[0][0] > p[0][-1]


def test_a_codec_head_decides_for_its_codec_and_the_shared_calibration_for_the_others(tmp_path):
    import torch
    from PIL import Image

    from vpjnd_cli import Settings, predict
    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.config import NetConfig
    from vpjnd_cli.model.network import VPJNDNet
    from vpjnd_cli.model.peak import PeakCalibration
    from vpjnd_cli.model.weights import save_weights

    torch.manual_seed(0)
    model = VPJNDNet(NetConfig(channels=(4, 8), attention=("channel", "nonlocal"), reduction=2, hidden=8,
                               patch_size=16, patches_per_picture=4))
    shared = PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8)
    passes_everything = PeakCalibration(net_scale=0.0, bias=50.0, peak_slope=0.0)
    path = tmp_path / "heads.safetensors"
    save_weights(model, path, calibration=shared, codec_calibrations={"webp": passes_everything})
    judge = NetworkJudge(path, device="cpu")
    assert judge.for_codec("jpeg") is judge and judge.for_codec("webp").calibration == passes_everything
    reference = natural_picture(48, 64, seed=2)
    webp = get_codec("webp")
    candidates = [webp.decode(webp.encode(reference, level)) for level in webp.levels()[::25]]
    prepared = judge.prepare(reference, jnd_map(reference, "epc"))  # one preparation serves every head
    assert np.all(judge.for_codec("webp").probabilities(prepared, candidates) > 0.999)
    assert judge.probabilities(prepared, candidates)[-1] < 0.999
    picture = tmp_path / "picture.png"
    Image.fromarray(natural_picture(96, 128, seed=4)).save(picture)
    chosen = {codec: predict(picture, Settings(codecs=(codec,), weights=path)).level for codec in ("webp", "jpeg")}
    assert chosen["webp"] == webp.levels()[-1].setting  # the head passes the most distorted level
    assert chosen["jpeg"] != get_codec("jpeg").levels()[-1].setting


def test_a_head_with_a_norm_of_its_own_measures_the_error_its_way(tmp_path):
    """A head that reads the luma error's 3-norm beside its peak: its codec's answer is that head
    applied to the network, the peak and the 3-norm, on the reference prepared once for every codec."""
    import torch

    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.peak import LumaPeak, PeakCalibration

    head = PeakCalibration(net_scale=1.1, bias=-14.0, peak_slope=-1.9, norm=3.0, norm_slope=-1.2)
    path, _, reference, candidates, network = _file_with_a_head(tmp_path, "avif", head, seed=3, step=20)
    judge = NetworkJudge(path, device="cpu")
    prepared = judge.prepare(reference, jnd_map(reference, "epc"))
    three_norm = LumaPeak(norm=3.0)
    measured = three_norm.measure(three_norm.reference(reference), candidates)
    expected = head.apply(network, measured)
    without_norm = PeakCalibration(net_scale=1.1, bias=-14.0, peak_slope=-1.9).apply(network, measured[:, 0])
    assert np.max(np.abs(expected - without_norm)) > 0.01  # the second term counts
    np.testing.assert_allclose(judge.for_codec("avif").probabilities(prepared, candidates), expected, rtol=1e-9)
    on_torch = NetworkJudge(path, device="cpu")
    on_torch.run_maths_on(torch.device("cpu"))  # the GPU path, on the CPU
    np.testing.assert_allclose(on_torch.for_codec("avif").probabilities(on_torch.prepare(reference, jnd_map(
        reference, "epc")), candidates), expected, rtol=1e-4)


def test_a_head_with_a_full_size_term_reads_the_luma_at_full_size(tmp_path):
    """A head that also reads the luma error's peak at full size: the reference is prepared once,
    with its full-size luma because one head reads it, and serves the codecs with and without."""
    import torch

    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.peak import LumaPeak, PeakCalibration
    from vpjnd_cli.model.weights import load_model, save_weights

    head = PeakCalibration(net_scale=1.0, bias=-20.0, peak_slope=-1.5, full_size_quantile=0.9999, full_size_slope=-1.8)
    path, shared, reference, candidates, network = _file_with_a_head(tmp_path, "heic", head, seed=5, step=12)
    peaks = LumaPeak().peaks(LumaPeak().reference(reference), candidates)
    full_size = LumaPeak(sigma=1.0, quantile=0.9999, downscale=1)
    full_size_peaks = full_size.peaks(full_size.reference(reference), candidates)
    expected = head.apply(network, np.column_stack([peaks, full_size_peaks]))
    without = PeakCalibration(net_scale=1.0, bias=-20.0, peak_slope=-1.5).apply(network, peaks)
    assert np.max(np.abs(expected - without)) > 0.01  # the full-size term counts
    for maths_on_torch in (False, True):  # the GPU path, on the CPU
        judge = NetworkJudge(path, device="cpu")
        if maths_on_torch:
            judge.run_maths_on(torch.device("cpu"))
        prepared = judge.prepare(reference, jnd_map(reference, "epc"))
        assert prepared.full_size_luma is not None
        np.testing.assert_allclose(judge.for_codec("heic").probabilities(prepared, candidates), expected, rtol=1e-4)
        np.testing.assert_allclose(judge.probabilities(prepared, candidates), shared.apply(network, peaks), rtol=1e-4)
    plain = tmp_path / "plain.safetensors"
    save_weights(load_model(SHIPPED, "cpu"), plain, calibration=shared)
    plain_judge = NetworkJudge(plain, device="cpu")  # no term reads it: no full-size luma is made
    assert plain_judge.prepare(reference, jnd_map(reference, "epc")).full_size_luma is None


def _file_with_a_head(tmp_path, codec_name, head, *, seed, step):
    """The shipped network with a shared calibration and ``head`` for one codec, written to a file; a
    reference, that codec's candidates at every ``step``-th level, and the network's own answer."""
    from vpjnd_cli.judges.vpjndnet import NetworkJudge
    from vpjnd_cli.model.peak import PeakCalibration
    from vpjnd_cli.model.weights import load_model, save_weights

    shared = PeakCalibration(net_scale=0.7, bias=-13.9, peak_slope=-2.8)
    path = tmp_path / f"{codec_name}-head.safetensors"
    save_weights(load_model(SHIPPED, "cpu"), path, calibration=shared, codec_calibrations={codec_name: head})
    reference = natural_picture(64, 96, seed=seed)
    codec = get_codec(codec_name)
    candidates = [codec.decode(codec.encode(reference, level)) for level in codec.levels()[::step]]
    alone = NetworkJudge(path, device="cpu", peak_calibration=False)
    network = alone.probabilities(alone.prepare(reference, jnd_map(reference, "epc")), candidates)
    return path, shared, reference, candidates, network
