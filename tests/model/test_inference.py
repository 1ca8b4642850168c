import numpy as np
import pytest
import torch
from netmodels import answers, picture_set, seeded_model

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.graph import graph_judge
from vpjnd_cli.model.header import read_header
from vpjnd_cli.model.inference import PatchJudge
from vpjnd_cli.model.locate import shipped_weights_path
from vpjnd_cli.model.scoring import PatchRequest, PatchScorer, leaning_right
from vpjnd_cli.model.served import ServedScorer
from vpjnd_cli.model.weights import save_weights


def test_probabilities_shape_range_and_repeatability(small_model):
    reference, jnd, candidates = picture_set()
    judge = PatchJudge(small_model, "cpu")
    prepared = judge.prepare(reference, jnd)
    probs = judge.probabilities(prepared, candidates)
    assert probs.shape == (3,) and probs.dtype == np.float64
    assert np.all((probs > 0) & (probs < 1))
    assert np.array_equal(probs, judge.probabilities(prepared, candidates))
    assert judge.probabilities(prepared, []).shape == (0,)


@pytest.mark.parametrize("chunk", [2, 4, 6])
def test_chunk_size_does_not_change_a_bit(small_model, chunk):
    reference, jnd, candidates = picture_set()
    assert np.array_equal(
        answers(small_model, reference, jnd, candidates, max_patches_per_chunk=chunk),
        answers(small_model, reference, jnd, candidates, max_patches_per_chunk=64),
    )


def test_chunk_of_one_patch_at_released_size():
    """At 128 px every convolution takes the same oneDNN kernel, even for a lone patch."""
    model = seeded_model(NetConfig(patches_per_picture=2))
    reference, jnd, candidates = picture_set(128, 256, n=2)
    assert np.array_equal(
        answers(model, reference, jnd, candidates, max_patches_per_chunk=1),
        answers(model, reference, jnd, candidates, max_patches_per_chunk=64),
    )


def test_batch_equals_one_by_one(small_model):
    reference, jnd, candidates = picture_set()
    judge = PatchJudge(small_model, "cpu")
    prepared = judge.prepare(reference, jnd)
    together = judge.probabilities(prepared, candidates)
    alone = np.concatenate([judge.probabilities(prepared, [c]) for c in candidates])
    assert np.array_equal(together, alone)


def test_agrees_with_the_plain_forward(small_model, small_config):
    reference, jnd, candidates = picture_set()
    judge = PatchJudge(small_model, "cpu")
    prepared = judge.prepare(reference, jnd)

    def stack(pictures):
        return torch.from_numpy(np.stack([prepared.grid.cut(p) for p in pictures]))

    with torch.inference_mode():
        logits = small_model(stack([reference] * 3), stack(candidates), stack([jnd] * 3))
    np.testing.assert_allclose(judge.probabilities(prepared, candidates), torch.sigmoid(logits).numpy(), atol=1e-6)


def test_tiny_picture_and_cover_mode(small_model):
    reference, jnd, candidates = picture_set(20, 30)
    assert answers(small_model, reference, jnd, candidates, patches_per_picture="cover").shape == (3,)
    judge = PatchJudge(small_model, "cpu", patches_per_picture="cover")
    assert len(judge.prepare(*picture_set(70, 90)[:2]).grid) == 9


def test_released_variant_through_the_judge(small_released_config):
    reference, jnd, candidates = picture_set()
    probs = answers(seeded_model(small_released_config), reference, jnd, candidates)
    assert probs.shape == (3,) and np.isfinite(probs).all()


def test_from_weights_and_shape_checks(tmp_path, small_model):
    path = tmp_path / "w.safetensors"
    save_weights(small_model, path)
    judge = PatchJudge.from_weights(path, "cpu", patches_per_picture=2)
    reference, jnd, candidates = picture_set()
    prepared = judge.prepare(reference, jnd)
    assert len(prepared.grid) == 2
    with pytest.raises(ValueError, match="candidate"):
        judge.probabilities(prepared, [candidates[0][:-1]])
    with pytest.raises(ValueError, match="JND map"):
        judge.prepare(reference, jnd[:-1])


def mirrored(picture: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(picture[:, ::-1])


def test_flip_averaging_judges_a_picture_and_its_mirror_image_alike(small_config):
    import dataclasses

    plain = seeded_model(small_config)
    averaging = seeded_model(dataclasses.replace(small_config, flip_average=True))
    reference, jnd, candidates = picture_set(64, 96)  # 2 x 2 patches of 32 px: a grid symmetric left to right
    on_mirror = answers(averaging, mirrored(reference), mirrored(jnd), [mirrored(c) for c in candidates])
    np.testing.assert_allclose(answers(averaging, reference, jnd, candidates), on_mirror, rtol=1e-6)
    plain_logits = [np.log(p / (1 - p)) for p in (answers(plain, reference, jnd, candidates),
                                                  answers(plain, mirrored(reference), mirrored(jnd),
                                                          [mirrored(c) for c in candidates]))]
    expected = 1 / (1 + np.exp(-(plain_logits[0] + plain_logits[1]) / 2))  # the mean logit of both views
    np.testing.assert_allclose(answers(averaging, reference, jnd, candidates), expected, rtol=1e-5)
    assert not np.allclose(plain_logits[0], plain_logits[1])  # the plain network is not symmetric


def test_oriented_patches_judge_a_picture_and_its_mirror_image_alike_for_the_same_work(small_config):
    import dataclasses

    orienting = seeded_model(dataclasses.replace(small_config, orient_patches=True))
    plain = seeded_model(small_config)  # the same weights (same seed), patches as cut
    reference, jnd, candidates = picture_set(64, 96, seed=1)  # 2 x 2 patches of 32 px: a grid symmetric left to right
    on_picture = answers(orienting, reference, jnd, candidates)
    on_mirror = answers(orienting, mirrored(reference), mirrored(jnd), [mirrored(c) for c in candidates])
    assert np.array_equal(on_picture, on_mirror)
    plain_answers = [answers(plain, reference, jnd, candidates),
                     answers(plain, mirrored(reference), mirrored(jnd), [mirrored(c) for c in candidates])]
    assert np.abs(plain_answers[0] - plain_answers[1]).max() > 1e-6  # the network alone is not symmetric
    # The same as the plain network fed, by hand, each patch that leans right mirrored.
    judge = PatchJudge(orienting, "cpu")
    prepared = judge.prepare(reference, jnd)
    flips = prepared.flips
    assert flips is not None and 0 < flips.sum() < len(flips)  # this picture has patches both ways
    assert len(prepared.views) == 1  # one pass of the network, as without it

    def oriented(picture):
        patches = prepared.grid.cut(picture)
        return np.stack([patch[..., ::-1] if flip else patch for patch, flip in zip(patches, flips, strict=True)])

    by_hand = PatchRequest(oriented(reference), oriented(jnd), np.concatenate([oriented(c) for c in candidates]))
    np.testing.assert_array_equal(PatchJudge(plain, "cpu").score_requests([by_hand])[0], on_picture)


def test_leaning_right_is_negated_by_a_mirror_and_keeps_flat_patches():
    rng = np.random.default_rng(4)
    patches = rng.integers(0, 256, (50, 3, 8, 8), dtype=np.uint8)
    leaning = leaning_right(patches)
    flat = np.full((1, 3, 8, 8), 200, np.uint8)
    assert 0 < leaning.sum() < 50 and not leaning_right(flat)[0] and not leaning_right(flat[..., ::-1])[0]
    assert np.array_equal(leaning_right(np.ascontiguousarray(patches[..., ::-1])), ~leaning)
    bright_right = np.zeros((1, 1, 4, 4), np.uint8)
    bright_right[..., 3] = 255
    assert leaning_right(bright_right)[0] and not leaning_right(bright_right[..., ::-1])[0]


def served_answers(judge: PatchScorer, pictures: list) -> list[np.ndarray]:
    """Each (reference, jnd, candidates) cut where a worker cuts them, scored in one shared batch."""
    requests = []
    for reference, jnd, candidates in pictures:
        scorer = ServedScorer(judge.config, lambda request: requests.append(request) or np.zeros(0))
        scorer.probabilities(scorer.prepare(reference, jnd), candidates)
    return judge.score_requests(requests)


@pytest.mark.parametrize(("chunk", "fixed_batch"), [(5, False), (64, False), (5, True), (64, True)])
def test_blocks_batched_with_other_pictures_get_the_answers_they_get_alone(small_model, chunk, fixed_batch):
    """What a judge server's batching relies on: a block's answer does not depend on its company,
    whether the blocks run one by one (the CPU) or share fixed-size, padded batches (a GPU)."""
    judge = PatchJudge(small_model, "cpu", max_patches_per_chunk=chunk)
    judge.fixed_batch = fixed_batch
    pictures = [picture_set(70, 90, n=3, seed=1), picture_set(50, 120, n=1, seed=2), picture_set(70, 90, n=5, seed=3)]
    alone = [judge.probabilities(judge.prepare(reference, jnd), candidates) for reference, jnd, candidates in pictures]
    together = served_answers(judge, pictures)
    assert all(np.array_equal(a, b) for a, b in zip(together, alone, strict=True))
    assert [len(answer) for answer in together] == [3, 1, 5]


@pytest.mark.parametrize("fixed_batch", [False, True])
def test_served_blocks_are_oriented_as_in_one_process(small_config, fixed_batch):
    import dataclasses

    judge = PatchJudge(seeded_model(dataclasses.replace(small_config, orient_patches=True)), "cpu",
                       max_patches_per_chunk=5)
    judge.fixed_batch = fixed_batch
    pictures = [picture_set(70, 90, n=3, seed=1), picture_set(50, 120, n=2, seed=2)]
    alone = [judge.probabilities(judge.prepare(reference, jnd), candidates) for reference, jnd, candidates in pictures]
    plain = PatchJudge(seeded_model(small_config), "cpu")
    assert np.abs(alone[0] - plain.probabilities(plain.prepare(*pictures[0][:2]), pictures[0][2])).max() > 1e-6
    assert all(np.array_equal(a, b) for a, b in zip(served_answers(judge, pictures), alone, strict=True))


def test_the_shipped_graph_answers_served_blocks_as_it_answers_one_process():
    path = shipped_weights_path()
    judge = graph_judge(path, read_header(path).config)
    assert judge is not None and not judge.fixed_batch
    pictures = [picture_set(300, 400, n=8, seed=1), picture_set(200, 260, n=3, seed=2)]
    alone = [judge.probabilities(judge.prepare(reference, jnd), candidates) for reference, jnd, candidates in pictures]
    assert all(np.array_equal(a, b) for a, b in zip(served_answers(judge, pictures), alone, strict=True))
