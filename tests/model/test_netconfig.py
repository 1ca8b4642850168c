import json

import pytest

from vpjnd_cli.model.config import NetConfig


def test_round_trip_through_json():
    config = NetConfig.released(channels=(8, 16, 16, 32), patch_size=32, dropout=0.25)
    again = NetConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert again.channels == (8, 16, 16, 32)


def test_defaults_are_our_variant_at_released_sizes():
    config = NetConfig()
    assert config.channels == (32, 64, 128, 256)
    assert config.attention == ("channel", "channel", "channel", "nonlocal")
    assert (config.pooling, config.weight_head_input, config.share_jnd_extractor) == ("meanstd", "figure", False)
    assert config.jnd_crops_aligned and config.feature_dim == 512
    assert NetConfig.released().feature_dim == 32768


def test_int_accepted_for_float():
    assert NetConfig.from_dict({"dropout": 0}).dropout == 0.0


@pytest.mark.parametrize(
    "data",
    [
        {"colour": 1},
        {"channels": "32"},
        {"channels": [32, "64", 128, 256]},
        {"dropout": "0.5"},
        {"patch_size": True},
        {"share_jnd_extractor": 1},
        {"pooling": "max"},
        {"patch_size": 120},
        {"attention": ["channel"]},
        {"share_jnd_extractor": True},  # 1-channel JND stream cannot share the RGB extractor
    ],
)
def test_bad_dicts_are_refused(data):
    with pytest.raises(ValueError):
        NetConfig.from_dict(data)
