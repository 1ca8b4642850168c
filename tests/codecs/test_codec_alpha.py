"""Alpha through the codecs that carry it (WebP, AVIF, HEIC, BPG): what each keeps, level by level."""

from __future__ import annotations

import numpy as np
import pytest
from pictures import transparent_picture

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.imageio import load_image

RGBA = transparent_picture(64, 80, seed=3)
ALPHA = RGBA[..., 3].astype(int)


def codec(name: str):
    return get_codec(name, CodecOptions(bpg_backend="builtin"))


def alpha_error(decoded: np.ndarray) -> int:
    assert decoded.shape == RGBA.shape
    return int(np.abs(decoded[..., 3].astype(int) - ALPHA).max())


@pytest.mark.parametrize("name", ["webp", "avif", "heic", "bpg", "jxl"])
def test_alpha_comes_back_and_degrades_along_the_ladder(name):
    c = codec(name)
    ladder = c.levels()
    errors = [alpha_error(c.decode(c.encode(RGBA, ladder[i]))) for i in (0, len(ladder) // 2, len(ladder) - 1)]
    assert errors[0] <= 2  # the least distorted level keeps alpha (nearly) exactly
    assert errors == sorted(errors)
    opaque = RGBA[..., 3] == 255
    colour = c.decode(c.encode(RGBA, ladder[0]))[..., :3]
    assert np.abs(colour.astype(int) - RGBA[..., :3])[opaque].mean() < 4


def test_webp_keeps_alpha_exactly_at_every_quality():
    c = codec("webp")
    assert all(alpha_error(c.decode(c.encode(RGBA, Level(q)))) == 0 for q in (100, 75, 30, 0))


def test_avif_alpha_is_exact_only_at_quality_100():
    c = codec("avif")
    assert alpha_error(c.decode(c.encode(RGBA, Level(100)))) == 0
    assert alpha_error(c.decode(c.encode(RGBA, Level(40)))) > 0


def test_opaque_pictures_stay_three_channels_and_jpeg_refuses_alpha():
    for name in ("webp", "avif", "heic", "bpg", "jxl"):
        c = codec(name)
        assert c.decode(c.encode(RGBA[..., :3], c.levels()[10])).shape == RGBA[..., :3].shape
    jpeg = codec("jpeg")
    assert not jpeg.keeps_alpha
    with pytest.raises(ValueError, match="HxWx3"):
        jpeg.encode(RGBA, Level(90))


@pytest.mark.parametrize(("name", "suffix"), [("webp", ".webp"), ("avif", ".avif"), ("heic", ".heic"),
                                              ("bpg", ".bpg"), ("jxl", ".jxl")])
def test_the_written_file_reads_back_with_its_alpha(tmp_path, name, suffix):
    c = codec(name)
    level = c.levels()[len(c.levels()) // 4]
    path = tmp_path / f"out{suffix}"
    data = c.encode_final(RGBA, level)
    path.write_bytes(data)
    picture = load_image(path)
    assert picture.alpha is not None
    assert np.array_equal(picture.alpha, c.decode(data)[..., 3])
