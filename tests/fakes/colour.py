"""Colour as the continuity checks measure it: a frame's mean colour in CIE Lab, and ΔE76.

The mean sRGB colour goes to Lab through the standard formulas (sRGB D65 → linear
→ XYZ → Lab), in floats. Pillow's ImageCms gives Lab in 8 bits (a and b in whole
units): too coarse for differences of a few ΔE, it read 2.1 and 3.1 on two clips
this formula reads at 2.4 each.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PIL import Image, ImageStat

Lab = tuple[float, float, float]

_D65_WHITE = (0.95047, 1.0, 1.08883)
_SRGB_TO_XYZ = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
_EPSILON = (6 / 29) ** 3


def lab(rgb: Sequence[float]) -> Lab:
    """CIE Lab (D65) of one sRGB colour given as 0-255 floats."""
    linear = [_linear(value / 255) for value in rgb]
    fx, fy, fz = (
        _f(sum(m * c for m, c in zip(row, linear, strict=True)) / white)
        for row, white in zip(_SRGB_TO_XYZ, _D65_WHITE, strict=True)
    )
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def mean_lab(image: Image.Image) -> Lab:
    """Lab of ``image``'s mean sRGB colour."""
    return lab(ImageStat.Stat(image.convert("RGB")).mean)


def delta_e76(a: Lab, b: Lab) -> float:
    return math.dist(a, b)


def _linear(value: float) -> float:
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def _f(t: float) -> float:
    return t ** (1 / 3) if t > _EPSILON else t / (3 * (6 / 29) ** 2) + 4 / 29
