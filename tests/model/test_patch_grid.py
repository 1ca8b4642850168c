import numpy as np
import pytest

from vpjnd_cli.model.patches import plan_grid


def coverage(grid):
    covered = np.zeros((max(grid.height, grid.size), max(grid.width, grid.size)), bool)
    for y, x in grid.positions:
        covered[y : y + grid.size, x : x + grid.size] = True
    return covered[: grid.height, : grid.width]


def test_positions_are_deterministic_and_span_the_picture():
    grid = plan_grid(1080, 1920, 128, 16)
    assert grid == plan_grid(1080, 1920, 128, 16)
    assert len(grid) == 16 and (len(grid.ys), len(grid.xs)) == (4, 4)
    assert (grid.ys[0], grid.ys[-1], grid.xs[0], grid.xs[-1]) == (0, 1080 - 128, 0, 1920 - 128)
    assert list(grid.xs) == sorted(set(grid.xs))


@pytest.mark.parametrize(("height", "width"), [(1080, 1920), (129, 300), (256, 256), (20, 30), (100, 1000)])
def test_cover_reaches_every_pixel(height, width):
    grid = plan_grid(height, width, 128, "cover")
    assert coverage(grid).all()
    assert plan_grid(height, width, 128, 10**6) == grid  # a sufficient count covers too


@pytest.mark.parametrize("count", [1, 2, 3, 7, 16, 40])
def test_count_is_an_upper_bound(count):
    assert 1 <= len(plan_grid(1000, 1500, 128, count)) <= count


def test_same_patches_from_every_candidate_of_a_picture():
    rng = np.random.default_rng(0)
    pictures = [rng.integers(0, 256, (300, 200, 3), dtype=np.uint8) for _ in range(3)]
    grid = plan_grid(300, 200, 64, 6)
    for picture in pictures:
        patches = grid.cut(picture)
        assert patches.shape == (len(grid), 3, 64, 64) and patches.dtype == np.uint8
        for patch, (y, x) in zip(patches, grid.positions, strict=True):
            assert np.array_equal(patch, picture[y : y + 64, x : x + 64].transpose(2, 0, 1))


def test_tiny_picture_is_edge_padded():
    picture = np.arange(20 * 30 * 3, dtype=np.uint8).reshape(20, 30, 3)
    grid = plan_grid(20, 30, 32, 4)
    assert grid.positions == [(0, 0)]
    patch = grid.cut(picture)[0]
    assert np.array_equal(patch[:, :20, :30], picture.transpose(2, 0, 1))
    assert np.array_equal(patch[:, 25, :30], picture[19].T)  # rows below repeat the last row
    assert np.array_equal(patch[:, 5, 31], picture[5, 29])  # columns right repeat the last column
    jnd = grid.cut(np.full((20, 30), 7.5, np.float32))
    assert jnd.shape == (1, 1, 32, 32) and (jnd == 7.5).all()


def test_huge_picture_plans_and_cuts_without_copying_it():
    picture = np.broadcast_to(np.uint8(9), (4000, 6000, 3))  # a 24 MP view of one byte
    grid = plan_grid(4000, 6000, 128, 16)
    assert len(grid) == 16 and grid.ys[-1] == 4000 - 128 and grid.xs[-1] == 6000 - 128
    assert len(plan_grid(4000, 6000, 128, "cover")) == 32 * 47
    assert grid.cut(picture, range(2)).shape == (2, 3, 128, 128)
