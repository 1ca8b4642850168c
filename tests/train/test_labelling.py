"""Labelling: the saturated copies `vpjnd label --saturate` adds, and each codec's views and plan."""

from __future__ import annotations

import numpy as np
from pictures import natural_picture

from vpjnd_cli.codecs import available_codecs
from vpjnd_cli.imageio.colour import luma_bt601
from vpjnd_cli.train.labelling import LabelSettings, _samplings, saturated


def chroma(rgb: np.ndarray) -> np.ndarray:
    return rgb.astype(np.float64) - luma_bt601(rgb)[..., None]


def test_saturating_scales_chroma_and_keeps_luma_inside_the_rgb_cube():
    rgb = (natural_picture(64, 64, seed=3) * 0.5 + 64).astype(np.uint8)  # room to grow without clipping
    boosted = saturated(rgb, 1.8)
    assert np.abs(luma_bt601(boosted) - luma_bt601(rgb)).max() <= 1.0
    assert np.abs(chroma(boosted) - 1.8 * chroma(rgb)).max() <= 1.5
    assert np.array_equal(saturated(rgb, 1.0), rgb)
    grey = np.repeat(rgb[..., :1], 3, axis=2)
    assert np.array_equal(saturated(grey, 1.8), grey)  # no colour, nothing to scale


def test_saturating_clips_to_the_rgb_cube():
    red = np.full((4, 4, 3), (240, 30, 20), dtype=np.uint8)
    assert saturated(red, 3.0).dtype == np.uint8
    assert saturated(red, 3.0)[0, 0].tolist() == [255, 0, 0]


def test_refinement_labels_densely_only_where_the_answer_changes():
    from vpjnd_cli.train.labelling import refinement

    coarse = {0: 1.0, 10: 0.99, 20: 0.5, 30: 0.01, 40: 0.0}
    assert refinement(coarse, 5) == [15, 25]
    assert refinement(coarse, 2) == [12, 14, 16, 18, 22, 24, 26, 28]
    assert refinement({0: 1.0, 10: 0.99}, 5) == []


def test_plans_default_per_codec_and_yield_to_the_options():
    import pytest

    from vpjnd_cli.train.labelling import DEFAULT_PLANS, LabelSettings, LevelPlan

    assert LabelSettings().plan("bpg") == DEFAULT_PLANS["bpg"] == LevelPlan(6, 2)
    assert LabelSettings(every=10).plan("bpg") == LevelPlan(10, 2)
    assert LabelSettings(every=3).plan("webp") == LevelPlan(3, 3)  # fine is never coarser than coarse
    assert LabelSettings(every=20, fine=20).plan("jpeg") == LevelPlan(20, 20)
    with pytest.raises(ValueError, match="fine <= coarse"):
        LevelPlan(2, 5)


def test_hard_pictures_give_every_split_each_photo_kind_and_split_the_generated_sources(tmp_path):
    from PIL import Image

    from vpjnd_cli.train.labelling import hard_pictures
    from vpjnd_cli.train.synthetic import PHOTO_KINDS, PURE_KINDS

    photos = []
    for index in range(10):
        photos.append(tmp_path / f"p{index}.png")
        Image.fromarray(natural_picture(60, 80, seed=index)).save(photos[-1])
    small = tmp_path / "small.png"
    Image.fromarray(natural_picture(30, 40)).save(small)
    splits = {f"p{index}": "train" if index < 8 else "test" for index in range(10)} | {"small": "train"}
    pictures, pure_splits = hard_pictures([*photos, small], 5, (64, 48), splits, seed=0)
    derived = [p for p in pictures if p.kind in PHOTO_KINDS]
    assert len(derived) == 10 and all(p.rgb.shape == (48, 64, 3) for p in pictures)  # small.png cannot cover 64x48
    assert {p.kind for p in derived if splits[p.source] == "train"} == set(PHOTO_KINDS)
    assert [p.kind for p in derived if splits[p.source] == "test"] == list(PHOTO_KINDS[:2])
    for kind in PURE_KINDS:
        sources = {p.source for p in pictures if p.kind == kind}
        assert len(sources) == 5 and {pure_splits[s] for s in sources} == {"train", "val", "test"}


def test_each_codec_is_labelled_in_the_samplings_it_encodes():
    assert _samplings("jpeg", "both") == ["420", "444"] and _samplings("webp", "both") == ["420"]
    assert _samplings("jxl", "420") == _samplings("jxl", "both") == ["444"]  # one view: JPEG XL does not subsample


def test_every_codec_has_a_labelling_plan():  # `vpjnd label --codec all`
    assert all(LabelSettings().plan(codec).coarse >= 1 for codec in available_codecs())
