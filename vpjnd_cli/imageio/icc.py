"""Embedded ICC profiles: convert pixels to sRGB so that judges and codecs see display colours."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageCms

_INTENT = ImageCms.Intent.RELATIVE_COLORIMETRIC


def profile_description(icc: bytes) -> str:
    """The profile's human-readable name ("" when the profile cannot be parsed)."""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except (ImageCms.PyCMSError, OSError, ValueError):
        return ""


def srgb_profile() -> bytes:
    """The ICC profile to embed in files whose pixels were converted to sRGB."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def is_srgb(icc: bytes) -> bool:
    """True for the usual sRGB profiles, whose conversion would only add rounding noise."""
    return "srgb" in profile_description(icc).lower()


def convert_to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    """Convert an RGB, L or CMYK Pillow image described by ``icc`` to sRGB RGB.

    Relative colorimetric intent: in-gamut colours keep their appearance exactly, which is
    what a perceptual-lossless judge must compare; out-of-gamut colours are clipped.
    Raises ValueError when the profile is unusable for this image.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(
            image,
            source,
            target,
            renderingIntent=_INTENT,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError) as exc:
        raise ValueError(f"embedded ICC profile cannot be used ({exc})") from exc
    assert converted is not None  # None only in place (inPlace=True)
    return converted


class RgbProfile:
    """An RGB profile's conversions to and from sRGB, built once and applied to many pictures.

    Writers that keep a picture's own profile encode its pixels in that profile; the judge sees
    every candidate through ``to_srgb``, the same conversion (and intent) the loader applies.
    """

    def __init__(self, icc: bytes) -> None:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
            self._to_srgb = ImageCms.buildTransform(profile, srgb, "RGB", "RGB", _INTENT)
            self._from_srgb = ImageCms.buildTransform(srgb, profile, "RGB", "RGB", _INTENT)
        except (ImageCms.PyCMSError, OSError) as exc:
            raise ValueError(f"embedded ICC profile cannot be used ({exc})") from exc
        self.icc = icc

    def to_srgb(self, rgb: np.ndarray) -> np.ndarray:
        """HxWx3 uint8 pixels in this profile -> sRGB."""
        return np.asarray(ImageCms.applyTransform(Image.fromarray(rgb), self._to_srgb))

    def from_srgb(self, rgb: np.ndarray) -> np.ndarray:
        """HxWx3 uint8 sRGB pixels -> this profile (out-of-gamut colours are clipped)."""
        return np.asarray(ImageCms.applyTransform(Image.fromarray(rgb), self._from_srgb))
