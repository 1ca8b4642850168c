"""JPEG XL: the distance ladder, the quality the binding is given, effort, threads, metadata and
reading .jxl files back through the loader."""

from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np
import pytest
from pictures import natural_picture, transparent_picture
from PIL import Image

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import CodecOptions, Level
from vpjnd_cli.codecs.jxl import DISTANCES, quality_for
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio import load_image
from vpjnd_cli.imageio.metadata import Metadata
from vpjnd_cli.jobs.marker import marker_settings, with_marker

PICTURE = natural_picture(64, 96, seed=2)
MAKE = 0x010F


def test_the_ladder_is_distances_from_least_to_most_distorted_all_444():
    codec = get_codec("jxl")  # the default chroma, 420, is accepted: JPEG XL does not subsample
    levels = codec.levels()
    assert [level.setting for level in levels] == list(DISTANCES) and {level.chroma for level in levels} == {"444"}
    assert DISTANCES[0] == 11 and 100 in DISTANCES and DISTANCES[-1] == 1586  # cjxl -d 1 is level 100
    steps = np.array(DISTANCES[1:]) / np.array(DISTANCES[:-1])
    assert steps.min() > 1.06 and steps.max() < 1.17  # 10 %, give or take the rounding to hundredths
    assert get_codec("jxl", CodecOptions(chroma="both")).levels() == levels
    with pytest.raises(UsageError, match="jxl has no level 99"):
        codec.encode(PICTURE, Level(99, "444"))


def test_quality_for_inverts_libjxl_quality_to_distance():
    assert quality_for(1.0) == pytest.approx(90) and quality_for(0.1) == pytest.approx(100)
    assert quality_for(6.4) == pytest.approx(30) and quality_for(25) == pytest.approx(0, abs=1e-9)
    for q in (5.0, 17.5, 29.0):  # libjxl below quality 30: distance = 53/3000 q^2 - 23/20 q + 25
        assert quality_for(53 / 3000 * q * q - 23 / 20 * q + 25) == pytest.approx(q)


def test_size_and_fidelity_fall_along_the_ladder():
    codec = get_codec("jxl")
    sizes = [len(codec.encode(PICTURE, Level(d, "444"))) for d in (11, 100, 505, 1586)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > 3 * sizes[-1]
    one = codec.decode(codec.encode(PICTURE, Level(100, "444")))
    assert one.shape == PICTURE.shape and np.abs(one.astype(int) - PICTURE).mean() < 3


def test_alpha_is_exact_up_to_distance_985_and_lossy_beyond():
    rgba = transparent_picture(64, 80, seed=3)
    codec = get_codec("jxl")
    errors = [np.abs(codec.decode(codec.encode(rgba, Level(d, "444")))[..., 3].astype(int) - rgba[..., 3]).max()
              for d in (11, 100, 985, 1083)]
    assert errors[:3] == [0, 0, 0] and errors[3] > 0


def test_effort_is_checked_and_changes_the_bytes():
    with pytest.raises(UsageError, match="libjxl effort"):
        get_codec("jxl", CodecOptions(effort=0))
    fast, slow = (get_codec("jxl", CodecOptions(effort=e)).encode(PICTURE, Level(100, "444")) for e in (3, 7))
    assert fast != slow


def test_bytes_do_not_depend_on_threads_or_the_process():
    level = Level(146, "444")
    one, two = (get_codec("jxl", CodecOptions(threads=n)).encode(PICTURE, level) for n in (1, 2))
    assert one == two
    code = ("import sys, hashlib; sys.path.insert(0, 'tests'); from pictures import natural_picture; "
            "from vpjnd_cli.codecs import get_codec; from vpjnd_cli.codecs.base import Level; "
            "data = get_codec('jxl').encode(natural_picture(64, 96, seed=2), Level(146, '444')); "
            "print(hashlib.sha256(data).hexdigest())")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == hashlib.sha256(one).hexdigest()


def test_exif_xmp_and_the_vpjnd_marker_survive_and_read_back(tmp_path):
    exif = Image.Exif()
    exif[MAKE] = "TestCam"
    metadata = with_marker(Metadata(exif=exif.tobytes()[len(b"Exif\0\0"):]), {"codec": "jxl", "sur": "0.75"})
    codec = get_codec("jxl")
    data = codec.encode_final(PICTURE, Level(100, "444"), metadata)
    assert marker_settings(data)["codec"] == "jxl"  # the marker is found in the raw bytes, as reruns look
    assert np.array_equal(codec.decode(data), codec.decode(codec.encode(PICTURE, Level(100, "444"))))
    path = tmp_path / "out.jxl"
    path.write_bytes(data)
    loaded = load_image(path)
    assert loaded.format == "JPEG XL" and np.array_equal(loaded.rgb, codec.decode(data))
    assert loaded.metadata.xmp == metadata.xmp
    reread = Image.Exif()
    reread.load(loaded.metadata.exif)
    assert reread[MAKE] == "TestCam"
    assert not loaded.icc_converted  # libjxl tags the file sRGB
    plain = codec.encode(PICTURE, Level(100, "444"))
    assert marker_settings(plain) is None and b"Exif" not in plain
