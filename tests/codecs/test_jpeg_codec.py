"""JPEG specifics: OpenCV = Pillow bytes, the mozjpeg step keeps pixels, grey pictures, size ladder."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pictures import natural_picture, real_photo
from PIL import Image

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level


@pytest.fixture(scope="module")
def picture() -> np.ndarray:
    return natural_picture(256, 256)


def pillow_baseline(rgb: np.ndarray, quality: int, subsampling: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality, subsampling=subsampling)
    return out.getvalue()


@pytest.mark.parametrize(
    ("level", "subsampling"), [(Level(95), 2), (Level(40), 2), (Level(95, "444"), 0), (Level(7, "444"), 0)]
)
def test_search_encode_is_byte_identical_to_pillow(picture, level, subsampling):
    assert get_codec("jpeg").encode(picture, level) == pillow_baseline(picture, level.setting, subsampling)


@pytest.mark.parametrize("level", [Level(100), Level(85), Level(23), Level(92, "444"), Level(50, "444")])
def test_final_file_is_progressive_smaller_and_pixel_identical(picture, level):
    codec = get_codec("jpeg")
    search, final = codec.encode(picture, level), codec.encode_final(picture, level)
    with Image.open(io.BytesIO(final)) as image:
        assert image.info.get("progressive")
    assert len(final) < len(search)
    assert np.array_equal(codec.decode(final), codec.decode(search))


@pytest.mark.parametrize("level", [Level(90), Level(60, "444")])
def test_final_file_is_pixel_identical_on_a_real_photo(level):
    photo = real_photo()
    codec = get_codec("jpeg")
    assert np.array_equal(codec.decode(codec.encode_final(photo, level)), codec.decode(codec.encode(photo, level)))


def test_grey_picture_is_stored_as_one_channel_and_decodes_grey(picture):
    grey = np.repeat(picture[..., 1:2], 3, axis=2)
    codec = get_codec("jpeg", CodecOptions(chroma="both"))
    for data in (codec.encode(grey, Level(80, "444")), codec.encode_final(grey, Level(80))):
        with Image.open(io.BytesIO(data)) as image:
            assert image.mode == "L"
        decoded = codec.decode(data)
        assert decoded.shape == grey.shape
        assert np.array_equal(decoded[..., 0], decoded[..., 2])
    judged = codec.decode(codec.encode(grey, Level(80)))
    assert np.array_equal(codec.decode(codec.encode_final(grey, Level(80))), judged)


def test_nearly_grey_picture_stays_colour(picture):
    grey = np.repeat(picture[..., 1:2], 3, axis=2)
    grey[37, 201, 0] ^= 1  # one pixel off grey, away from the sparse sample's grid
    with Image.open(io.BytesIO(get_codec("jpeg").encode(grey, Level(80)))) as image:
        assert image.mode == "RGB"


def assert_size_never_grows(rgb: np.ndarray, lowest: int = 1) -> None:
    """No rung from QF 100 down to ``lowest`` is larger than the rung before it."""
    codec = get_codec("jpeg")
    sizes = [len(codec.encode(rgb, Level(quality))) for quality in range(100, lowest - 1, -1)]
    rises = [(q, b - a) for q, a, b in zip(range(99, 0, -1), sizes, sizes[1:], strict=False) if b > a]
    assert not rises, f"size grows at (QF, bytes): {rises}"


def test_420_sizes_never_grow_along_the_ladder_on_a_generated_picture(picture):
    assert_size_never_grows(picture)


def test_420_sizes_never_grow_along_the_ladder_on_a_real_photo():
    assert_size_never_grows(real_photo(), lowest=10)  # below QF 10 photos can grow by ~1 % (docs/codecs.md)
