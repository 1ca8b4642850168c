"""A corpus of several codecs: one view per (codec, chroma), stored candidates, a mixed training set."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from jnd_sets import make_small_corpus

from vpjnd_cli.cli import run
from vpjnd_cli.errors import UsageError
from vpjnd_cli.train.corpus import MANIFEST, CorpusDataset, MixedDataset, candidate_path, corpus_views, read_manifest
from vpjnd_cli.train.detect import open_datasets, open_training_set

pytest.importorskip("ssimulacra2")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return make_small_corpus(tmp_path_factory.mktemp("corpus"), count=4, every=20)


def test_each_codec_and_sampling_is_a_view_with_its_own_ladder(corpus):
    views = {view.name: view for view in corpus_views(corpus)}
    assert list(views) == ["jpeg", "jpeg 4:4:4", "webp"]  # WebP has no 4:4:4
    assert {level.chroma for level in views["jpeg 4:4:4"].ladder()} == {"444"}
    assert {level.chroma for level in views["jpeg"].ladder()} == {"420"}
    assert sorted(views["jpeg"].labels("photo0-64x48")) == [0, 20, 40, 60, 80, 99]  # every 20th and the last
    with pytest.raises(UsageError, match="choose one with --codec"):
        CorpusDataset(corpus)
    assert CorpusDataset(corpus, "jpeg").chroma == "420"
    with pytest.raises(UsageError, match="no avif labels"):
        corpus_views(corpus, ["avif"])
    assert [d.codec_name for d in open_datasets(corpus)] == ["jpeg", "webp"]


def test_scored_candidates_are_kept_and_read_back(corpus):
    view = CorpusDataset(corpus, "webp")
    level = view.ladder()[40]
    stored = candidate_path(corpus, view.codec, "photo1-64x48", level)
    assert stored.is_file() and stored.suffix == ".webp"
    reference = view.reference("photo1-64x48")
    assert stored.read_bytes() == view.codec.encode(reference, level)  # deterministic: the same bytes
    assert np.array_equal(view.candidate("photo1-64x48", 40), view.codec.decode(stored.read_bytes()))
    assert view.size("photo1-64x48", 40) == stored.stat().st_size
    assert view.distortion("photo1-64x48", 40, "ssimulacra2") is not None
    assert view.distortion("photo1-64x48", 41, "ssimulacra2") is None  # not labelled


def test_training_mixes_every_view_and_shares_references(corpus):
    mixed = open_training_set(corpus)
    assert isinstance(mixed, MixedDataset) and mixed.codecs == ["jpeg", "webp"]
    names = [info.id for info in mixed.pictures()]
    assert "jpeg-444:photo2-64x48" in names and "webp:photo2-64x48" in names
    assert mixed.reference_key("webp:photo2-64x48") == mixed.reference_key("jpeg:photo2-64x48") == "photo2-64x48"
    assert mixed.labels("webp:photo2-64x48") == CorpusDataset(corpus, "webp").labels("photo2-64x48")
    assert {info.split for info in mixed.pictures() if info.id.endswith("photo2-64x48")} == \
        {CorpusDataset(corpus, "jpeg").pictures()[2].split}
    assert isinstance(open_training_set(corpus, codecs=["webp"]), CorpusDataset)


def test_a_manifest_from_before_the_kind_column_reads_as_photos(corpus, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    with (corpus / MANIFEST).open() as handle:
        rows = list(csv.DictReader(handle))
    with (old / MANIFEST).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [name for name in rows[0] if name != "kind"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    assert {row.kind for row in read_manifest(old)} == {"photo"}


def test_a_run_for_some_codecs_keeps_the_labels_of_the_others(corpus, tmp_path, capsys):
    import shutil

    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    photos = corpus.parent / "photos"
    before = {(r.picture, r.codec, r.chroma, r.setting): r for r in read_manifest(copy)}
    options = ["--teacher", "ssimulacra2", "--size", "64x48", "--every", "20", "--fine", "20"]
    assert run(["label", str(photos), "-o", str(copy), "--codec", "webp", *options]) == 0
    assert "labels of jpeg 420, jpeg 444 from the manifest" in capsys.readouterr().err
    after = {(r.picture, r.codec, r.chroma, r.setting): r for r in read_manifest(copy)}
    assert after == before  # the JPEG views were kept, WebP's relabelled from the cache: nothing changed
    assert run(["label", str(photos), "-o", str(copy), "--codec", "webp", *options, "--seed", "5"]) == 2
    refused = capsys.readouterr().err
    assert "in another split than this run" in refused and "scored" not in refused  # refused before scoring
