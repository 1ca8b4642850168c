"""The loader: formats, bit depths, modes, orientation, colour management, metadata, frames."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from icc_profiles import adobe_rgb_profile, expected_srgb_from_adobe
from pictures import natural_picture
from PIL import Image, ImageCms, ImageOps

from vpjnd_cli.errors import InputError
from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.metadata import EXIF_PREFIX

RGB = natural_picture(24, 32)


def save(path: Path, image: Image.Image, **params) -> Path:
    image.save(path, **params)
    return path


@pytest.mark.parametrize(
    ("suffix", "params", "lossless"),
    [
        (".png", {}, True),
        (".bmp", {}, True),
        (".tiff", {}, True),
        (".webp", {"lossless": True}, True),
        (".ppm", {}, True),
        (".jpg", {"quality": 95}, False),
        (".avif", {"quality": 90}, False),
        (".heic", {"quality": 90}, False),
    ],
)
def test_every_format_loads_as_rgb(tmp_path, suffix, params, lossless):
    import pillow_heif

    pillow_heif.register_heif_opener()
    path = save(tmp_path / f"p{suffix}", Image.fromarray(RGB), **params)
    picture = load_image(path)
    assert picture.rgb.shape == RGB.shape and picture.rgb.dtype == np.uint8
    assert picture.alpha is None and not picture.is_grey and picture.bit_depth == 8
    error = np.abs(picture.rgb.astype(int) - RGB).mean()
    assert error == 0 if lossless else error < 6


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_and_reset(tmp_path, orientation):
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestMake"
    path = save(tmp_path / "o.png", image, exif=exif.tobytes())
    picture = load_image(path)
    expected = np.asarray(ImageOps.exif_transpose(Image.open(path)))
    assert np.array_equal(picture.rgb, expected)
    assert picture.orientation == orientation
    kept = Image.Exif()
    kept.load(EXIF_PREFIX + picture.metadata.exif)
    assert kept[0x0112] == 1 and kept[0x010F] == "TestMake"


def test_orientation_of_a_jpeg_swaps_the_size(tmp_path):
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = 6
    picture = load_image(save(tmp_path / "o.jpg", image, exif=exif.tobytes(), quality=95))
    assert picture.rgb.shape == (32, 24, 3)


def test_adobe_rgb_profile_is_converted_to_srgb_and_kept(tmp_path):
    profile = adobe_rgb_profile()
    colours = np.array([[[200, 100, 50], [30, 200, 90], [128, 128, 128], [10, 20, 240]]], np.uint8)
    path = save(tmp_path / "adobe.png", Image.fromarray(colours), icc_profile=profile)
    picture = load_image(path)
    assert np.abs(picture.rgb - expected_srgb_from_adobe(colours.astype(float))).max() <= 1.0
    assert not np.array_equal(picture.rgb, colours)  # the conversion really happened
    assert picture.metadata.icc == profile and "Adobe" in picture.icc_description


def test_srgb_profile_leaves_pixels_alone(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture = load_image(save(tmp_path / "s.png", Image.fromarray(RGB), icc_profile=srgb))
    assert np.array_equal(picture.rgb, RGB) and picture.metadata.icc == srgb


def test_16bit_rgb_png_is_rounded_not_truncated(tmp_path):
    values = np.array([[[41743, 65535, 0], [128, 127, 32896]]], np.uint16)  # 41743/257 = 162.4
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), values[..., ::-1])
    picture = load_image(path)
    assert picture.bit_depth == 16
    assert picture.rgb.tolist() == [[[162, 255, 0], [0, 0, 128]]]


def test_16bit_rgba_png_keeps_alpha(tmp_path):
    values = np.zeros((2, 2, 4), np.uint16)
    values[..., 3] = [[0, 65535], [32896, 257]]
    path = tmp_path / "deep_alpha.png"
    cv2.imwrite(str(path), values)
    picture = load_image(path)
    assert picture.alpha.tolist() == [[0, 255], [128, 1]]


def test_16bit_grey_png(tmp_path):
    values = np.array([[0, 257, 65535, 41743]], np.uint16)
    path = tmp_path / "grey16.png"
    cv2.imwrite(str(path), values)
    picture = load_image(path)
    assert picture.is_grey and picture.bit_depth == 16
    assert picture.rgb[..., 0].tolist() == [[0, 1, 255, 162]] and (picture.rgb[..., 1] == picture.rgb[..., 0]).all()


def test_grey_and_grey_alpha(tmp_path):
    grey = RGB[..., 1]
    picture = load_image(save(tmp_path / "g.png", Image.fromarray(grey)))
    assert picture.is_grey and np.array_equal(picture.rgb[..., 2], grey)
    alpha = np.tile(np.arange(32, dtype=np.uint8) * 8, (24, 1))
    picture = load_image(save(tmp_path / "ga.png", Image.fromarray(np.dstack([grey, alpha]), mode="LA")))
    assert picture.is_grey and np.array_equal(picture.alpha, alpha)


def test_palette_png_with_transparency(tmp_path):
    palette_image = Image.fromarray(RGB).quantize(colors=16)
    indices = np.asarray(palette_image)
    palette_image.info["transparency"] = int(indices[0, 0])
    path = save(tmp_path / "pal.png", palette_image, transparency=int(indices[0, 0]))
    picture = load_image(path)
    assert picture.alpha is not None
    assert np.array_equal(picture.alpha == 0, indices == indices[0, 0])
    expected = np.asarray(Image.open(path).convert("RGB"))
    assert np.array_equal(picture.rgb, expected)


def test_rgba_opaque_alpha_is_dropped_and_real_alpha_reported(tmp_path):
    opaque = np.dstack([RGB, np.full(RGB.shape[:2], 255, np.uint8)])
    assert load_image(save(tmp_path / "opaque.png", Image.fromarray(opaque))).alpha is None
    half = opaque.copy()
    half[:, :10, 3] = 100
    picture = load_image(save(tmp_path / "half.png", Image.fromarray(half)))
    assert np.array_equal(picture.alpha, half[..., 3]) and np.array_equal(picture.rgb, RGB)


def test_cmyk_jpeg(tmp_path):
    cmyk = Image.fromarray(RGB).convert("CMYK")
    path = save(tmp_path / "cmyk.jpg", cmyk, quality=98)
    picture = load_image(path)
    assert picture.rgb.shape == RGB.shape
    assert np.abs(picture.rgb.astype(int) - RGB).mean() < 4


def test_heic(tmp_path):
    import pillow_heif
    from pillow_heif import from_bytes  # noqa: F401 - pillow-heif must be importable

    pillow_heif.register_heif_opener()
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = 6
    path = save(tmp_path / "p.heic", image, quality=95, exif=exif.tobytes())
    picture = load_image(path)
    assert picture.format == "HEIC/HEIF"
    assert picture.rgb.shape == (32, 24, 3)  # rotated once, not twice
    rotated = np.rot90(RGB, -1)
    assert np.abs(picture.rgb.astype(int) - rotated).mean() < 6


def test_xmp_is_kept_with_orientation_reset(tmp_path):
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Ann</dc:creator></rdf:Description>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    picture = load_image(save(tmp_path / "x.jpg", Image.fromarray(RGB), xmp=xmp))
    assert b'tiff:Orientation="1"' in picture.metadata.xmp and b"<dc:creator>Ann" in picture.metadata.xmp


def _animated_gif(path: Path) -> Path:
    frames = [Image.fromarray(natural_picture(16, 16, seed)) for seed in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50)
    return path


def test_animated_input_uses_the_first_frame_with_a_warning(tmp_path):
    path = _animated_gif(tmp_path / "anim.gif")
    picture = load_image(path)
    assert picture.frames == 3 and any("first" in note for note in picture.warnings)
    assert np.array_equal(picture.rgb, np.asarray(Image.open(path).convert("RGB")))


def test_animated_input_is_refused_with_strict(tmp_path):
    path = _animated_gif(tmp_path / "anim.gif")
    with pytest.raises(InputError, match="3 frames"):
        load_image(path, strict=True)


def test_max_pixels_guard(tmp_path):
    path = save(tmp_path / "p.png", Image.fromarray(RGB))
    with pytest.raises(InputError, match="too large"):
        load_image(path, max_pixels=100)
    assert load_image(path, max_pixels=24 * 32).rgb.shape == RGB.shape
    assert load_image(path, max_pixels=0).rgb.shape == RGB.shape


def test_loaded_bytes_are_the_same_whatever_the_container(tmp_path):
    """PNG from memory and from disk: the loader reads the file once and never mutates it."""
    path = save(tmp_path / "p.png", Image.fromarray(RGB))
    before = path.read_bytes()
    load_image(path)
    assert path.read_bytes() == before
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(before))), load_image(path).rgb)


def test_metadata_to_write_replaces_a_converted_profile_with_srgb(tmp_path):
    converted = load_image(save(tmp_path / "adobe.png", Image.fromarray(RGB), icc_profile=adobe_rgb_profile()))
    written = converted.metadata_to_write().icc
    assert written != adobe_rgb_profile() and "sRGB" in ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(written))
    )
    plain = load_image(save(tmp_path / "plain.png", Image.fromarray(RGB)))
    assert plain.metadata_to_write() == plain.metadata


def test_a_converted_picture_keeps_its_profile_pixels_for_writers_that_keep_the_profile(tmp_path):
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = 6  # rotated: both pixel arrays are shown the same way
    path = save(tmp_path / "adobe.jpg", image, icc_profile=adobe_rgb_profile(), exif=exif.tobytes(), quality=100,
                subsampling=0)
    picture = load_image(path)
    raw = np.asarray(Image.open(path).convert("RGB").transpose(Image.Transpose.ROTATE_270))
    assert picture.profile_rgb is not None and np.array_equal(picture.profile_rgb, raw)
    assert picture.profile_rgb.shape == picture.rgb.shape and not np.array_equal(picture.profile_rgb, picture.rgb)
    assert picture.metadata_to_write(in_profile=True).icc == adobe_rgb_profile()
    assert load_image(save(tmp_path / "plain.png", Image.fromarray(RGB))).profile_rgb is None


def test_bpg_files_written_by_us_load_with_their_metadata(tmp_path):
    from vpjnd_cli.codecs import get_codec
    from vpjnd_cli.codecs.base import Level
    from vpjnd_cli.imageio.metadata import Metadata

    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = 6
    exif[0x010F] = "TestMake"
    data = get_codec("bpg").encode_final(RGB, Level(10), Metadata(exif=exif.tobytes()[len(EXIF_PREFIX) :]))
    path = tmp_path / "p.bpg"
    path.write_bytes(data)
    picture = load_image(path)
    assert picture.format == "BPG" and picture.rgb.shape == (32, 24, 3)  # orientation applied
    assert np.abs(picture.rgb.astype(int) - np.rot90(RGB, -1)).mean() < 3
    with pytest.raises(InputError, match="too large"):
        load_image(path, max_pixels=100)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=str(path)):
        load_image(path)


def test_real_bpgenc_files_load(tmp_path):
    from pictures import SHARED

    samples = SHARED / "data" / "bpg-samples"
    if not samples.is_dir():
        pytest.skip("../shared is absent")
    lena = load_image(samples / "lena512color.bpg")
    assert lena.rgb.shape == (512, 512, 3) and lena.alpha is None
    clock = load_image(samples / "clock.bpg")
    assert clock.alpha is not None and any("only the first one" in note for note in clock.warnings)
    with pytest.raises(InputError, match="refused by --strict"):
        load_image(samples / "clock.bpg", strict=True)
