"""Embedded ICC profiles: convert pixels to sRGB so that judges and codecs see display colours."""

from __future__ import annotations

import io

from PIL import Image, ImageCms


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
        return ImageCms.profileToProfile(
            image,
            source,
            target,
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            outputMode="RGB",
        )
    except (ImageCms.PyCMSError, OSError) as exc:
        raise ValueError(f"embedded ICC profile cannot be used ({exc})") from exc
