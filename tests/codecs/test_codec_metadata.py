"""EXIF, ICC and XMP given to encode_final come back out of every format; nothing is added unasked."""

from __future__ import annotations

import io

import numpy as np
import pillow_heif
import pytest
from pictures import natural_picture
from PIL import Image, ImageCms

from vpjnd_cli.codecs import get_codec
from vpjnd_cli.codecs.base import Level
from vpjnd_cli.errors import UsageError
from vpjnd_cli.imageio.metadata import Metadata

MAKE, MODEL = 0x010F, 0x0110
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/test"/></rdf:RDF></x:xmpmeta>'
)
LEVELS = {"jpeg": Level(80), "webp": Level(80), "avif": Level(80), "heic": Level(30)}


@pytest.fixture(scope="module")
def metadata() -> Metadata:
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[0x0112] = "TestCam", "Model 7", 1
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return Metadata(exif=exif.tobytes()[len(b"Exif\0\0"):], icc=icc, xmp=XMP)


def read_back(name: str, data: bytes) -> tuple[dict[int, object], bytes | None, bytes | None]:
    """EXIF tags, ICC profile and XMP packet as a reader finds them."""
    if name == "heic":
        info = pillow_heif.open_heif(data).info
        exif = Image.Exif()
        if info.get("exif"):
            exif.load(info["exif"])
        return dict(exif), info.get("icc_profile"), info.get("xmp")
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.getexif()), image.info.get("icc_profile"), image.info.get("xmp")


@pytest.mark.parametrize("name", LEVELS)
def test_exif_icc_and_xmp_survive_the_final_encode(name, metadata):
    data = get_codec(name).encode_final(natural_picture(64, 96), LEVELS[name], metadata)
    exif, icc, xmp = read_back(name, data)
    assert (exif.get(MAKE), exif.get(MODEL)) == ("TestCam", "Model 7")
    assert icc == metadata.icc
    assert xmp == XMP


@pytest.mark.parametrize("name", LEVELS)
def test_no_metadata_is_written_when_none_is_given(name):
    codec = get_codec(name)
    picture = natural_picture(64, 96)
    for data in (codec.encode(picture, LEVELS[name]), codec.encode_final(picture, LEVELS[name], Metadata())):
        exif, icc, xmp = read_back(name, data)
        assert (exif, icc, xmp) == ({}, None, None)


def test_jpeg_keeps_a_large_icc_profile_split_over_several_markers(metadata):
    big_icc = metadata.icc + bytes(100_000)  # readers reassemble APP2 chunks; mozjpeg must keep them all
    data = get_codec("jpeg").encode_final(np.full((16, 16, 3), 128, np.uint8), Level(90), Metadata(icc=big_icc))
    assert read_back("jpeg", data)[1] == big_icc


@pytest.mark.parametrize("kind", ["exif", "xmp"])
def test_jpeg_refuses_exif_or_xmp_too_large_for_one_marker(kind):
    metadata = Metadata(**{kind: bytes(70_000)})
    with pytest.raises(UsageError, match="does not fit in a JPEG marker"):
        get_codec("jpeg").encode_final(np.full((16, 16, 3), 128, np.uint8), Level(90), metadata)
