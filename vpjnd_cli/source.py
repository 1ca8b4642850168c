"""A picture as the codecs encode it and as the judge sees it: colour, alpha and colour profile.

The judge compares what a viewer sees: sRGB colour composited over the background. Codecs that
carry alpha (``Codec.keeps_alpha``) get the alpha plane as a fourth channel and the colour as it
is; the others get the colour flattened onto the background. The colour is sRGB, or the input's
own RGB profile when the output keeps that profile: every decoded candidate then goes through the
same conversion to sRGB before it is judged, so that both sides of the comparison are sRGB.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from vpjnd_cli.imageio.colour import flatten_alpha
from vpjnd_cli.imageio.icc import RgbProfile

if TYPE_CHECKING:
    from vpjnd_cli.imageio import LoadedImage

WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Source:
    """The pixels to encode: HxWx3 uint8 colour, optional HxW straight alpha (None: opaque),
    the sRGB background transparent pixels are seen on, and the colour's profile (None: sRGB)."""

    colour: np.ndarray
    alpha: np.ndarray | None = None
    background: tuple[int, int, int] = WHITE
    profile: RgbProfile | None = None

    def encoded(self, keeps_alpha: bool) -> np.ndarray:
        """What a codec encodes: HxWx4 colour and alpha, or HxWx3 (flattened when transparent)."""
        if self.alpha is None:
            return self.colour
        if keeps_alpha:
            return np.dstack((self.colour, self.alpha))
        return flatten_alpha(self.colour, self.alpha, self._background)

    def seen(self, decoded: np.ndarray) -> np.ndarray:
        """Decoded HxWx3 or HxWx4 pixels as a viewer sees them: sRGB over the background."""
        colour = decoded[..., :3]
        if decoded.shape[2] == 4:
            colour = flatten_alpha(colour, decoded[..., 3], self._background)
        return colour if self.profile is None else self.profile.to_srgb(np.ascontiguousarray(colour))

    @cached_property
    def reference(self) -> np.ndarray:
        """The source itself as a viewer sees it: what every candidate is compared with."""
        return self.seen(self.encoded(keeps_alpha=True))

    @cached_property
    def _background(self) -> tuple[int, int, int]:
        """The background in the colour's own profile, so that flattening there shows it as asked."""
        if self.profile is None:
            return self.background
        pixel = self.profile.from_srgb(np.array([[self.background]], dtype=np.uint8))
        return tuple(int(v) for v in pixel[0, 0])  # type: ignore[return-value]


def source_of(picture: LoadedImage, background: tuple[int, int, int], in_profile: bool) -> Source:
    """A loaded picture as sRGB, or with ``in_profile`` in its own RGB profile when it was
    converted from one (grey and CMYK sources stay sRGB: our outputs are RGB)."""
    if in_profile and picture.profile_rgb is not None and picture.metadata.icc is not None:
        return Source(picture.profile_rgb, picture.alpha, background, RgbProfile(picture.metadata.icc))
    return Source(picture.rgb, picture.alpha, background)
