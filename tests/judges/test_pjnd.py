"""The weight-free pjnd judge: its psychometric function and its behaviour on real distortions."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from pictures import natural_picture
from PIL import Image

from vpjnd_cli.jnd import jnd_map
from vpjnd_cli.judges import get_judge
from vpjnd_cli.judges.pjnd import PjndJudge, PjndParams, visible_share


def jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def test_probability_is_one_at_zero_share_and_reaches_sur_exactly_at_tau():
    params = PjndParams(scale=1.0, theta=0.02, beta=1.5)
    assert params.probability(0.0) == 1.0
    for sur in (0.5, 0.75, 0.9):
        assert math.isclose(float(params.probability(params.share_threshold(sur))), sur, rel_tol=1e-12)
    shares = np.linspace(0, 0.2, 50)
    assert np.all(np.diff(params.probability(shares)) < 0)


def test_visible_share_counts_pixels_over_the_threshold():
    reference = np.full((4, 5, 3), 100, np.uint8)
    candidate = reference.copy()
    candidate[0, :2] = 110  # luma error 10 on 2 of 20 pixels
    threshold = np.full((4, 5), 5.0, np.float32)
    assert visible_share(reference[..., 0].astype(np.float32), threshold, candidate) == 2 / 20
    assert visible_share(reference[..., 0].astype(np.float32), threshold * 3, candidate) == 0.0


def test_identical_candidate_passes_and_stronger_compression_scores_lower():
    rgb = natural_picture(128, 160)
    judge = PjndJudge()
    prepared = judge.prepare(rgb, jnd_map(rgb))
    scores = judge.probabilities(prepared, [rgb, jpeg(rgb, 95), jpeg(rgb, 40), jpeg(rgb, 5)])
    assert scores[0] == 1.0
    assert scores[1] >= scores[2] >= scores[3] and scores[3] < 0.5


def test_shipped_parameters_are_sane_and_the_registry_builds_it():
    params = PjndParams.shipped()
    assert params.scale > 0 and params.theta > 0 and params.beta > 0
    assert params.share_threshold(0.9) < params.share_threshold(0.75) < params.share_threshold(0.5)
    assert isinstance(get_judge("pjnd"), PjndJudge)


def test_unknown_judge_is_a_usage_error():
    from vpjnd_cli.errors import UsageError

    with pytest.raises(UsageError, match="unknown judge"):
        get_judge("oracle")


def product_shot(height: int = 360, width: int = 640) -> np.ndarray:
    """A textured object on a plain white background: 12 % of the picture, the rest flat."""
    rgb = np.full((height, width, 3), 255, np.uint8)
    top, left = height * 3 // 10, width * 7 // 20
    rgb[top : top + height * 2 // 5, left : left + width * 3 // 10] = natural_picture(height * 2 // 5, width * 3 // 10,
                                                                                     seed=7)
    return rgb


def test_a_blocky_object_on_a_flat_background_does_not_pass(tmp_path, capsys):
    from vpjnd_cli.cli import run
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import Level

    picture = product_shot()
    source = tmp_path / "product.png"
    Image.fromarray(picture).save(source)
    webp = get_codec("webp")
    worst = webp.decode(webp.encode(picture, Level(0)))  # visibly blocky; the share rule alone gave P 0.96
    judge = PjndJudge()
    assert float(judge.probabilities(judge.prepare(picture, jnd_map(picture, "epc")), [worst])[0]) < 0.5
    assert run(["compress", str(source), "-o", str(tmp_path / "out.webp"), "--judge", "pjnd", "--json"]) == 0
    record = __import__("json").loads(capsys.readouterr().out)
    assert int(record["level"]) > 0 and record["passed"]


def test_the_peak_guard_holds_the_share_rule_under_the_worst_spot():
    params = PjndParams(scale=1.0, theta=0.3, beta=2.0, peak_threshold=0.01, peak_exponent=4.0)
    share_only = PjndParams(scale=1.0, theta=0.3, beta=2.0)
    assert params.probability(0.0, 0.0) == 1.0
    assert float(params.probability(0.01, 0.02)) < 0.01 < float(share_only.probability(0.01, 0.02))
    assert np.all(np.diff(params.probability(0.01, np.linspace(0, 0.03, 20))) < 0)
    assert PjndParams.shipped().peak_threshold is not None
