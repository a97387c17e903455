"""Colour drift: measured as CIE76 ΔE of mean Lab colour, removed by a blended Lab transfer.

Every clip starts from a frame of the one before, so a model that warms or adds
contrast a little per clip compounds it chain after chain. Before a seed frame
goes to the next chain its Lab mean and spread are moved back toward the input
image's (Reinhard's statistics transfer, done in Lab so brightness and colour
move separately). The move is blended:

- a large difference is mostly content, not drift (the camera found the sky), so
  the strength fades from full at ``FULL_BELOW`` ΔE to nothing at ``NONE_ABOVE``;
- when the action asks for a lighting change ("as the sun sets") the means are
  only nudged, so the requested change survives, while contrast stacking is
  always undone.

One transfer on the raw seed, never on an already corrected image: nothing
compounds.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms, ImageStat

FULL_BELOW = 6.0
NONE_ABOVE = 20.0
LIGHTING_MEAN_STRENGTH = 0.3
"""With a lighting change asked for, this share of the mean's difference is removed per seed."""
_SPREAD_LIMITS = (0.8, 1.25)
"""A spread ratio outside this is a different picture, not drift: never stretch that far."""
_LIGHTING = re.compile(
    r"\b(sun ?sets?|sunset|sundown|sunrise|sun ?rises?|dusk|dawn|twilight|nightfall|"
    r"night falls|golden hour|evening|darken\w*|darker|brighten\w*|brighter|"
    r"lights? (?:up|go|goes|come|comes|flicker\w*|dim\w*)|lightning|storm\w*|"
    r"glow\w*|fades? to (?:black|white|night))\b",
    re.IGNORECASE,
)
MEASURE_SIDE = 256
"""Measures work on a copy at most this many pixels on a side: colour means need no more."""


@dataclass(frozen=True)
class LabStats:
    """Mean and spread of an image's L*, a*, b* (L* 0–100, a*/b* about −128–127)."""

    mean: tuple[float, float, float]
    spread: tuple[float, float, float]

    def delta_e(self, other: LabStats) -> float:
        """CIE76 ΔE between the two mean colours."""
        return math.dist(self.mean, other.mean)


@dataclass(frozen=True)
class ColourMatch:
    """A corrected seed and what the correction did."""

    image: Image.Image
    drift_before: float
    """ΔE of the raw seed's mean colour from the reference's."""
    drift_after: float
    strength: float
    """How much of the mean's difference was removed (0–1)."""


def asks_for_lighting_change(text: str) -> bool:
    """Does the action (or a chain's beat) ask for the light itself to change?"""
    return bool(_LIGHTING.search(text or ""))


def lab_stats(image: Image.Image) -> LabStats:
    """Lab statistics of ``image`` (measured on a copy at most 256 px on a side)."""
    small = image.convert("RGB")
    small.thumbnail((MEASURE_SIDE, MEASURE_SIDE), Image.Resampling.BILINEAR)
    stat = ImageStat.Stat(_to_lab(small))
    return LabStats(_lab_units(stat.mean), (stat.stddev[0] * 100 / 255, *stat.stddev[1:]))


def match_colour(
    seed: Image.Image, reference: LabStats, *, lighting_change: bool = False
) -> ColourMatch:
    """``seed`` with its Lab mean and spread moved back toward ``reference``."""
    before = lab_stats(seed)
    drift = before.delta_e(reference)
    strength = _strength(drift) * (LIGHTING_MEAN_STRENGTH if lighting_change else 1.0)
    lab = _to_lab(seed.convert("RGB"))
    bands = [
        band.point(_band_table(channel, before, reference, strength))
        for channel, band in enumerate(lab.split())
    ]
    corrected = _to_rgb(Image.merge("LAB", bands))
    return ColourMatch(corrected, drift, lab_stats(corrected).delta_e(reference), strength)


def _strength(drift: float) -> float:
    if drift <= FULL_BELOW:
        return 1.0
    return max(0.0, (NONE_ABOVE - drift) / (NONE_ABOVE - FULL_BELOW))


def _band_table(channel: int, seed: LabStats, reference: LabStats, strength: float) -> list[int]:
    """A lookup table for one 8-bit Lab band: (x − μs)·(σt/σs) + μt, in that band's units."""
    scale = 255 / 100 if channel == 0 else 1.0
    offset = 0.0 if channel == 0 else 128.0
    mean_s, mean_r = seed.mean[channel], reference.mean[channel]
    spread_s, spread_r = seed.spread[channel], reference.spread[channel]
    low, high = _SPREAD_LIMITS
    # Contrast stacking is never wanted, so the spread is always matched in full.
    ratio = min(max(spread_r / spread_s, low), high) if spread_s > 1e-6 else 1.0
    target_mean = mean_s + strength * (mean_r - mean_s)
    table = []
    for code in range(256):
        value = (code - offset) / scale
        moved = (value - mean_s) * ratio + target_mean
        table.append(min(255, max(0, round(moved * scale + offset))))
    return table


def _lab_units(mean8: list[float]) -> tuple[float, float, float]:
    return (mean8[0] * 100 / 255, mean8[1] - 128, mean8[2] - 128)


@lru_cache(maxsize=1)
def _transforms() -> tuple[ImageCms.ImageCmsTransform, ImageCms.ImageCmsTransform]:
    srgb, lab = ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB")
    forward = ImageCms.buildTransformFromOpenProfiles(srgb, lab, "RGB", "LAB")
    back = ImageCms.buildTransformFromOpenProfiles(lab, srgb, "LAB", "RGB")
    return forward, back


def _to_lab(rgb: Image.Image) -> Image.Image:
    return ImageCms.applyTransform(rgb, _transforms()[0])


def _to_rgb(lab: Image.Image) -> Image.Image:
    return ImageCms.applyTransform(lab, _transforms()[1])
