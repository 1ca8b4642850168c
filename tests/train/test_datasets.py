"""Each layout behind the JndDataset interface: ladder, labels, candidates, splits; auto-detection."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from jnd_sets import make_konjnd, make_mcl_jci
from pictures import natural_picture

from vpjnd_cli.errors import InputError
from vpjnd_cli.train.corpus import CorpusDataset, Row, write_manifest, write_picture
from vpjnd_cli.train.dataset import pwjnd_index
from vpjnd_cli.train.detect import open_training_set
from vpjnd_cli.train.splits import split_by_source


def test_mcl_jci_reads_votes_as_sur_and_keeps_vp_jnd_training_sources(tmp_path):
    dataset = open_training_set(make_mcl_jci(tmp_path / "mcl"))
    assert dataset.layout == "mcl-jci"
    ladder = dataset.ladder()
    assert ladder[0].setting == 100 and ladder[-1].setting == 1
    splits = {p.id: p.split for p in dataset.pictures()}
    assert splits["SRC01"] == splits["SRC02"] == "train"
    assert {splits["SRC05"], splits["SRC06"]} == {"val", "test"}
    labels = dataset.labels("SRC01")
    assert labels[0] == 1.0 and len(labels) == 100
    assert labels[100 - 25] == pytest.approx(0.5, abs=1e-3)  # SUR 50 % at QF 25 for the first source
    assert dataset.candidate("SRC01", 100 - 40).shape == (48, 64, 3)
    assert dataset.size("SRC01", 0) > dataset.size("SRC01", 99)


def test_konjnd_turns_ratings_into_sur_per_level(tmp_path):
    dataset = open_training_set(make_konjnd(tmp_path / "kon"))
    assert dataset.layout == "konjnd-1k" and dataset.codec_name == "jpeg"
    assert [level.setting for level in dataset.ladder()][:2] == [100, 95]
    labels = dataset.labels("img0")
    probabilities = [labels[i] for i in sorted(labels)]
    assert probabilities[0] == 1.0 and probabilities[-1] == 0.0
    assert all(a >= b for a, b in itertools.pairwise(probabilities))  # SUR falls with distortion
    assert {p.split for p in dataset.pictures()} == {"train", "val", "test"}


def test_corpus_round_trip(tmp_path):
    rgb = natural_picture(32, 48, seed=3)
    (tmp_path / "pictures").mkdir()
    write_picture(tmp_path, "pic", rgb)
    rows = [Row("pic", "photo", "train", 48, 32, "jpeg", q, "420", "ssimulacra2", 100.0 - q, q / 100) for q in (90, 50)]
    write_manifest(tmp_path, rows)
    dataset = open_training_set(tmp_path)
    assert isinstance(dataset, CorpusDataset)
    assert np.array_equal(dataset.reference("pic"), rgb)
    assert dataset.labels("pic") == {10: 0.9, 50: 0.5}
    assert dataset.candidate("pic", 10).shape == rgb.shape


def test_unknown_layout_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not a known layout"):
        open_training_set(tmp_path)


def test_split_by_source_is_seeded_and_complete():
    sources = [f"s{i}" for i in range(20)]
    first = split_by_source(sources, seed=3)
    assert first == split_by_source(reversed(sources), seed=3)
    assert first != split_by_source(sources, seed=4)
    assert sorted(first.values()).count("test") == 4 and sorted(first.values()).count("val") == 2


def test_pwjnd_index_interpolates_the_crossing():
    assert pwjnd_index({0: 1.0, 10: 0.9, 20: 0.5}, 0.75) == 13  # 10 + floor(0.375 * 10)
    assert pwjnd_index({0: 1.0, 10: 0.9}, 0.75) == 10  # every labelled level passes
    assert pwjnd_index({0: 0.5, 10: 0.9}, 0.75) is None  # even the best level fails
    # 0 + floor(0.3125 * 5): the passing run ends at the first failure
    assert pwjnd_index({0: 1.0, 5: 0.2, 10: 0.9}, 0.75) == 1
