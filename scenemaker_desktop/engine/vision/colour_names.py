"""Names for colours, as a painter or colourist would say them."""

from __future__ import annotations

import math

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


def colour_name(rgb: tuple[int, int, int]) -> str:
    """The nearest entry of NAMED_COLOURS in CIELAB (ΔE 1976)."""
    target = lab(rgb)
    return min(NAMED_COLOURS, key=lambda name: math.dist(target, _NAMED_LAB[name]))


def lab(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
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
