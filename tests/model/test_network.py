import pytest
import torch
from netmodels import seeded_model

from vpjnd_cli.model.config import NetConfig
from vpjnd_cli.model.network import VPJNDNet


def batch(config: NetConfig, b: int, p: int, seed: int = 1):
    g = torch.Generator().manual_seed(seed)
    s = config.patch_size
    ref = torch.randint(0, 256, (b, p, 3, s, s), generator=g, dtype=torch.uint8)
    noise = torch.randint(-20, 21, ref.shape, generator=g)
    dist = (ref.int() + noise).clamp(0, 255).to(torch.uint8)
    jnd = torch.rand((b, p, 1, s, s), generator=g) * 20 + 3
    return ref, dist, jnd


def test_output_shape_and_range(small_model, small_config):
    with torch.inference_mode():
        logits = small_model(*batch(small_config, 3, 4))
    assert logits.shape == (3,) and logits.dtype == torch.float32
    probs = torch.sigmoid(logits)
    assert torch.all((probs > 0) & (probs < 1))


def test_patch_order_does_not_matter(small_model, small_config):
    ref, dist, jnd = batch(small_config, 2, 4)
    perm = torch.tensor([2, 0, 3, 1])
    with torch.inference_mode():
        a = small_model(ref, dist, jnd)
        b = small_model(ref[:, perm], dist[:, perm], jnd[:, perm])
    torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_batch_equals_one_by_one(small_model, small_config):
    ref, dist, jnd = batch(small_config, 3, 4)
    with torch.inference_mode():
        together = small_model(ref, dist, jnd)
        alone = torch.cat([small_model(ref[i : i + 1], dist[i : i + 1], jnd[i : i + 1]) for i in range(3)])
    assert torch.equal(together, alone)


def test_candidates_grouped_on_one_reference_equal_repeated_references(small_model, small_config):
    ref, dist, jnd = batch(small_config, 2, 4)
    owner = torch.tensor([0, 0, 1, 1, 1])
    candidates = torch.cat((dist, dist[:1], dist)).flip(0)  # 5 candidates: any pattern of owners
    with torch.inference_mode():
        grouped = small_model(ref, candidates, jnd, owner)
        repeated = small_model(ref[owner], candidates, jnd[owner])
    assert torch.equal(grouped, repeated)


def test_mask_ignores_padding_patches(small_model, small_config):
    ref, dist, jnd = batch(small_config, 1, 4)
    with torch.inference_mode():
        f = [m(x.flatten(0, 1)).unsqueeze(0) for m, x in
             ((small_model.features, ref), (small_model.features, dist), (small_model.jnd_features, jnd))]
        masked = small_model.head(*f, mask=torch.tensor([[True, True, False, False]]))
        subset = small_model.head(*(x[:, :2] for x in f))
    torch.testing.assert_close(masked, subset, atol=1e-6, rtol=0)


def test_released_variant_builds_and_runs(small_released_config):
    model = seeded_model(small_released_config)
    with torch.inference_mode():
        logits = model(*batch(small_released_config, 2, 3))
    assert logits.shape == (2,) and torch.isfinite(logits).all()
    assert model.weight_head.fc1.in_features == 3 * small_released_config.feature_dim == 3 * 256


def test_shared_jnd_extractor_has_no_second_extractor(small_config):
    from dataclasses import replace

    config = replace(small_config, share_jnd_extractor=True, jnd_channels=3)
    model = seeded_model(config)
    assert model.jnd_extractor is None
    with torch.inference_mode():
        assert model(*batch(config, 1, 2)).shape == (1,)


@pytest.mark.parametrize(("config", "low", "high"), [(NetConfig(), 1e6, 1e7), (NetConfig.released(), 5e7, 2e8)])
def test_released_sizes_parameter_count(config, low, high):
    with torch.device("meta"):
        model = VPJNDNet(config)
    assert low < sum(p.numel() for p in model.parameters()) < high


def test_released_size_forward_on_a_tiny_batch():
    config = NetConfig()
    model = seeded_model(config)
    with torch.inference_mode():
        assert model(*batch(config, 2, 1)).shape == (2,)
