"""Training groups: every sample once per epoch, seeded, and the decoded-candidate cache bounded."""

from __future__ import annotations

import numpy as np
import pytest
from jnd_sets import make_mcl_jci

from vpjnd_cli.train.detect import open_training_set
from vpjnd_cli.train.samples import SampleSource


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return open_training_set(make_mcl_jci(tmp_path_factory.mktemp("sets") / "mcl", height=32, width=32))


def test_an_epoch_holds_every_sample_once_in_groups_of_one_picture(dataset):
    source = SampleSource(dataset, "train", sur=0.75, jnd_model="epc")
    groups = source.groups(7, np.random.default_rng([3, 0]))
    flat = [s for g in groups for s in g.samples]

    def order(s):
        return (s.picture, s.index)

    assert sorted(flat, key=order) == sorted(source.samples, key=order)
    assert all(len(g.samples) <= 7 and {s.picture for s in g.samples} == {g.picture} for g in groups)
    assert groups == source.groups(7, np.random.default_rng([3, 0]))
    assert groups != source.groups(7, np.random.default_rng([3, 1]))


def test_a_batch_shares_patches_within_a_group(dataset):
    source = SampleSource(dataset, "train", sur=0.75, jnd_model="epc")
    groups = source.groups(3, np.random.default_rng(0))[:2]
    batch = source.batch(groups, 5, 16, np.random.default_rng(1))
    n = sum(len(g.samples) for g in groups)
    assert batch.reference.shape == (2, 5, 3, 16, 16) and batch.jnd.shape == (2, 5, 1, 16, 16)
    assert batch.candidate.shape == (n, 5, 3, 16, 16) and batch.labels.shape == (n,)
    assert batch.owner.tolist() == [0] * len(groups[0].samples) + [1] * len(groups[1].samples)
    # the patches of a group come from the same positions: the least distorted candidate is close to
    # its own reference's patches, not to the other group's
    first = groups[0].samples[0]
    error = np.abs(batch.candidate[0].astype(int) - batch.reference[0].astype(int)).mean()
    assert first.label > 0.5 and error < 12


def test_the_cache_keeps_to_its_budget(dataset):
    picture = dataset.split("train")[0].id
    one = dataset.candidate(picture, 0).nbytes
    source = SampleSource(dataset, "train", sur=0.75, jnd_model="epc", cache_bytes=2 * one)
    for index in range(5):
        assert np.array_equal(source.candidate(picture, index), dataset.candidate(picture, index))
    assert list(source._candidates) == [(picture, 3), (picture, 4)] and source._cached_bytes == 2 * one


def test_with_a_peak_each_sample_carries_its_candidates_log_peak(dataset):
    from vpjnd_cli.model.peak import LumaPeak

    peak = LumaPeak(downscale=1)
    source = SampleSource(dataset, "train", sur=0.75, jnd_model="epc", peak=peak)
    groups = source.groups(3, np.random.default_rng(0))[:2]
    batch = source.batch(groups, 2, 16, np.random.default_rng(1))
    samples = [s for g in groups for s in g.samples]
    expected = [np.log(peak.peaks(peak.reference(dataset.reference(s.picture)),
                                  [dataset.candidate(s.picture, s.index)])[0])
                for s in samples]
    assert batch.log_peak.dtype == np.float32 and np.allclose(batch.log_peak, expected, rtol=1e-6)
    assert len(set(batch.log_peak.tolist())) > 1  # the levels differ
    alone = SampleSource(dataset, "train", sur=0.75, jnd_model="epc")
    assert alone.batch(groups, 2, 16, np.random.default_rng(1)).log_peak is None


def test_flips_mirror_whole_patch_positions_in_every_stream(dataset):
    source = SampleSource(dataset, "train", sur=0.75, jnd_model="epc")
    groups = source.groups(3, np.random.default_rng(0))[:2]
    plain = source.batch(groups, 6, 16, np.random.default_rng(1))
    flipped = source.batch(groups, 6, 16, np.random.default_rng(1), flips=True)
    assert np.array_equal(plain.labels, flipped.labels)
    for name in ("reference", "jnd", "at_pwjnd"):
        same = [np.array_equal(a, b) for a, b in zip(getattr(plain, name)[0], getattr(flipped, name)[0], strict=True)]
        mirror = [np.array_equal(a[..., ::-1], b) for a, b in zip(getattr(plain, name)[0], getattr(flipped, name)[0],
                                                                  strict=True)]
        assert all(s or m for s, m in zip(same, mirror, strict=True)) and not all(same)
    first = [np.array_equal(a[..., ::-1], b) and not np.array_equal(a, b)
             for a, b in zip(plain.reference[0], flipped.reference[0], strict=True)]
    candidate = [np.array_equal(a[..., ::-1], b) and not np.array_equal(a, b)
                 for a, b in zip(plain.candidate[0], flipped.candidate[0], strict=True)]
    assert first == candidate  # a candidate's patch is mirrored exactly where its reference's is
