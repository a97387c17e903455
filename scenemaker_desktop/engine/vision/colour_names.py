"""Names for colours, as a painter or colourist would say them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

# Hand-picked: every name is one an artist would say out loud, spread over the hue circle
# and the dark/light range so the nearest match is rarely far off.
NAMED_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (12, 12, 14),
    "midnight blue": (22, 28, 58),
    "charcoal": (54, 57, 61),
    "slate grey": (108, 122, 137),
    "warm grey": (138, 128, 118),
    "grey": (128, 128, 128),
    "silver": (192, 194, 198),
    "white": (250, 250, 250),
    "ivory": (248, 243, 226),
    "cream": (238, 224, 190),
    "sand": (212, 188, 148),
    "tan": (188, 148, 104),
    "warm amber": (226, 146, 38),
    "golden yellow": (240, 192, 40),
    "lemon yellow": (248, 236, 92),
    "mustard": (198, 160, 42),
    "burnt orange": (204, 88, 28),
    "terracotta": (188, 96, 70),
    "rust": (150, 66, 36),
    "chocolate brown": (84, 52, 34),
    "brown": (130, 86, 52),
    "coral": (244, 122, 100),
    "peach": (248, 192, 160),
    "dusty rose": (192, 136, 140),
    "pink": (240, 160, 192),
    "crimson": (186, 22, 44),
    "red": (222, 40, 40),
    "burgundy": (104, 22, 36),
    "magenta": (200, 40, 150),
    "plum": (106, 48, 98),
    "aubergine": (66, 38, 68),
    "dusky mauve": (138, 102, 130),
    "rosewood": (122, 74, 70),
    "violet": (138, 80, 200),
    "lavender": (188, 170, 226),
    "indigo": (58, 40, 120),
    "navy": (26, 36, 88),
    "cobalt blue": (30, 72, 182),
    "steel blue": (70, 110, 150),
    "sky blue": (132, 190, 234),
    "deep teal": (16, 82, 88),
    "teal": (30, 130, 130),
    "turquoise": (60, 200, 190),
    "mint": (170, 230, 200),
    "emerald": (28, 150, 82),
    "forest green": (32, 80, 42),
    "moss green": (102, 120, 58),
    "olive": (112, 108, 40),
    "sage": (158, 174, 140),
    "lime green": (150, 210, 60),
}


RGB = tuple[int, int, int]
LAB = tuple[float, float, float]

# Subject colour, in CIELAB units. Within ΔE 15 two colours are one (noise, gradients,
# dithering); a colour covering a tenth of two sides of the frame is background; below
# L* 25 a colour reads as shadow or black detail; a clearly coloured entry (C* ≥ 20,
# not dark) covering a quarter of the subject outranks those shadows; colours within
# 30° of hue are shades of one colour, named by the most colourful shade covering at
# least a quarter as much as the biggest.
_SAME_DE = 15.0
_SIDE_SHARE = 0.10
_SHADOW_L = 25.0
_VIVID_CHROMA = 20.0
_VIVID_SHARE = 0.25
_HUE_FAMILY = 30.0
_LIT_COVER = 0.25


def colour_name(rgb: tuple[int, int, int]) -> str:
    """The nearest entry of NAMED_COLOURS in CIELAB (ΔE 1976)."""
    target = lab(rgb)
    return min(NAMED_COLOURS, key=lambda name: math.dist(target, _NAMED_LAB[name]))


def subject_colour_name(region: Mapping[RGB, int], sides: Sequence[Mapping[RGB, int]]) -> str:
    """Name the colour covering most of ``region`` once the background's colours are left out.

    ``region`` and the frame's ``sides`` (top, bottom, left, right) are pixel counts per
    colour. Coverage is counted per hue family, so shading does not split a surface;
    dark seams, visors and shadows are dropped when a clearly coloured share competes;
    a subject that matches its background is named by the whole region.
    """
    labs = {rgb: lab(rgb) for rgb in {*region, *(rgb for side in sides for rgb in side)}}
    subject = {rgb: n for rgb, n in region.items() if not _is_background(labs[rgb], sides, labs)}
    counts = _without_shadows(subject, labs) or dict(region)
    family = max(_families(counts, labs), key=lambda f: sum(counts[c] for c in f), default=[])
    return _lit_name(family, counts, labs)


def _lit_name(family: list[RGB], counts: Mapping[RGB, int], labs: Mapping[RGB, LAB]) -> str:
    """The most colourful name among those covering a real part of ``family``.

    Shading splits one surface into several names (burnt orange, rust, brown); the lit
    part is the most colourful, and it is the colour an artist would call the suit.
    """
    cover: dict[str, int] = {}
    colour: dict[str, float] = {}
    for rgb in family:
        name = colour_name(rgb)
        cover[name] = cover.get(name, 0) + counts[rgb]
        colour[name] = colour.get(name, 0.0) + counts[rgb] * _chroma(labs[rgb])
    real = [name for name in cover if cover[name] >= _LIT_COVER * max(cover.values())]
    return max(real, key=lambda name: colour[name] / cover[name], default="grey")


def _families(counts: Mapping[RGB, int], labs: Mapping[RGB, LAB]) -> list[list[RGB]]:
    """Colours grouped the way they are said: shades of one hue together, neutrals by name.

    A lit orange suit and its rust and brown shading are one colour to an artist; split
    by name, the shading could outnumber the lit part. The biggest entries seed the
    groups, so the grouping is the same on every run.
    """
    families: dict[str | float, list[RGB]] = {}
    for rgb in sorted(counts, key=lambda c: (-counts[c], c)):
        colour = labs[rgb]
        key: str | float = colour_name(rgb)
        if _chroma(colour) >= _VIVID_CHROMA:
            hue = math.degrees(math.atan2(colour[2], colour[1]))
            seeds = (seed for seed in families if isinstance(seed, float))
            key = next((seed for seed in seeds if _hue_gap(seed, hue) < _HUE_FAMILY), hue)
        families.setdefault(key, []).append(rgb)
    return list(families.values())


def _chroma(colour: LAB) -> float:
    return math.hypot(colour[1], colour[2])


def _hue_gap(a: float, b: float) -> float:
    """Degrees between two hue angles, the short way round."""
    return abs((a - b + 180) % 360 - 180)


def _is_background(
    colour: LAB, sides: Sequence[Mapping[RGB, int]], labs: Mapping[RGB, LAB]
) -> bool:
    """Whether ``colour`` (or one within ΔE 15) covers a tenth of two sides, left or right.

    Background surrounds the subject; a subject is usually cut off by one edge (a
    figure by the bottom) or, standing tall, by the top and bottom, but rarely by a
    side as well. Near colours count together so a sky gradient stays one sky.
    """
    shown = []
    for side in sides:  # top, bottom, left, right
        near = sum(n for rgb, n in side.items() if math.dist(colour, labs[rgb]) < _SAME_DE)
        shown.append(near >= _SIDE_SHARE * (sum(side.values()) or 1))
    _top, _bottom, left, right = shown
    return sum(shown) >= 2 and (left or right)


def _without_shadows(counts: dict[RGB, int], labs: Mapping[RGB, LAB]) -> dict[RGB, int]:
    """Drop near-black entries, but only when a clearly coloured one holds a real share.

    Almost every lit subject has dark detail; it names the subject only when nothing
    colourful competes, so a black cat stays black and an orange suit stays orange.
    """
    total = sum(counts.values()) or 1
    vivid = sum(
        n
        for rgb, n in counts.items()
        if labs[rgb][0] >= _SHADOW_L and _chroma(labs[rgb]) >= _VIVID_CHROMA
    )
    if vivid / total < _VIVID_SHARE:
        return counts
    return {rgb: n for rgb, n in counts.items() if labs[rgb][0] >= _SHADOW_L}


def lab(rgb: RGB) -> LAB:
    """sRGB (0..255) to CIELAB under D65, good enough for naming colours."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(channel) for channel in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


_NAMED_LAB = {name: lab(rgb) for name, rgb in NAMED_COLOURS.items()}
