"""The registry of named VP-JNDnet variants: every variant is tested alike (a new one is tested for
free), the shipped file is the small variant's size, and training and the Makefile name variants."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from netmodels import answers, picture_set, seeded_model

from vpjnd_cli.model import locate
from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.variants import DEFAULT_VARIANT, VARIANTS, get_variant
from vpjnd_cli.model.weights import read_header

REPO = Path(__file__).resolve().parents[2]
SIZES = ("channels", "attention", "reduction", "hidden", "patch_size", "patches_per_picture", "difference_gain")


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_variant_travels_in_a_header_and_judges_alike_in_any_chunk(name):
    config = VARIANTS[name]
    assert config.name == name and NetConfig.from_dict(config.to_dict()) == config
    assert not config.flip_average and config.weight_activation == "softplus" and config.difference_gain == 100.0
    model = seeded_model(config)
    side = config.patch_size
    reference, jnd, candidates = picture_set(2 * side, 4 * side, n=2)
    alone = answers(model, reference, jnd, candidates, max_patches_per_chunk=1)
    # a lone 64 px patch takes another oneDNN kernel than a batch: the last bits of a feature may differ
    np.testing.assert_allclose(alone, answers(model, reference, jnd, candidates, max_patches_per_chunk=64),
                               rtol=1e-6)
    assert ((alone >= 0) & (alone <= 1)).all()


def test_the_shipped_file_is_the_small_variant():
    shipped = read_header(locate.shipped_weights_path()).config
    small = VARIANTS["vpjndnet-small"]
    assert {field: getattr(shipped, field) for field in SIZES} == {field: getattr(small, field) for field in SIZES}
    assert DEFAULT_VARIANT == "vpjndnet-small"


def test_the_paper_variant_has_the_released_layer_sizes():
    paper, released = VARIANTS["vpjndnet-paper"], NetConfig.released()
    for field in ("channels", "attention", "reduction", "hidden", "patch_size"):
        assert getattr(paper, field) == getattr(released, field), field


def test_single_fields_change_and_other_channels_bring_their_attention():
    config = get_variant("vpjndnet-small", (8, 16), patch_size=16, weight_activation="relu")
    assert config.name == "vpjndnet-small" and config.channels == (8, 16) and config.patch_size == 16
    assert config.attention == ("channel", "nonlocal") and config.reduction == 4 and config.weight_activation == "relu"
    assert config.hidden == VARIANTS["vpjndnet-small"].hidden
    with pytest.raises(ValueError, match="unknown network variant 'vpjndnet-huge'"):
        get_variant("vpjndnet-huge")
    with pytest.raises(ValueError, match="patch_size"):
        get_variant("vpjndnet-paper", patch_size=100)


def test_the_makefile_trains_a_registered_variant():
    makefile = (REPO / "Makefile").read_text()
    arch = re.search(r"^MODEL_ARCH \?= (\S+)$", makefile, re.M)
    assert arch is not None and arch.group(1) in VARIANTS
    assert "--arch $(MODEL_ARCH)" in makefile
