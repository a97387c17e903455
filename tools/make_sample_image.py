"""Draws resources/sample_coast.jpg, the sample image the README uses.

Procedural so the repository carries no third-party artwork: a dusk sky, a
low sun, layered hills, sea with glints and a lighthouse on the headland.
Run: .venv/bin/python tools/make_sample_image.py
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

W, H = 1920, 1080
OUT = Path(__file__).resolve().parent.parent / "resources" / "sample_coast.jpg"


def lerp(a: tuple[int, ...], b: tuple[int, ...], t: float) -> tuple[int, ...]:
    return tuple(int(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def sky(img: Image.Image) -> None:
    draw = ImageDraw.Draw(img)
    stops = [
        (0.0, (24, 32, 72)),
        (0.45, (120, 70, 120)),
        (0.75, (240, 140, 90)),
        (1.0, (255, 200, 130)),
    ]
    horizon = int(H * 0.62)
    for y in range(horizon):
        t = y / horizon
        for (t0, c0), (t1, c1) in itertools.pairwise(stops):
            if t0 <= t <= t1:
                draw.line([(0, y), (W, y)], fill=lerp(c0, c1, (t - t0) / (t1 - t0)))
                break


def sun(img: Image.Image) -> None:
    glow = Image.new("RGB", img.size, (0, 0, 0))
    gd = ImageDraw.Draw(glow)
    cx, cy = int(W * 0.62), int(H * 0.55)
    for r in range(260, 0, -4):
        k = (1 - r / 260) ** 2
        gd.ellipse([cx - r, cy - r, cx + r, cy + r], fill=lerp((0, 0, 0), (255, 170, 90), k))
    glow = glow.filter(ImageFilter.GaussianBlur(30))
    img.paste(Image.eval(Image.blend(img, glow, 0.5), lambda v: min(255, v)), (0, 0))
    ImageDraw.Draw(img).ellipse([cx - 70, cy - 70, cx + 70, cy + 70], fill=(255, 226, 170))


def ridge(
    img: Image.Image, base: float, amp: float, color: tuple[int, int, int], seed: int
) -> None:
    rnd = random.Random(seed)
    waves = [(rnd.uniform(0.5, 4), rnd.uniform(0, 6.3), rnd.uniform(0.3, 1)) for _ in range(5)]
    points = [(0, H)]
    for x in range(0, W + 8, 8):
        y = base + sum(a * math.sin(f * x / W * 6.28 + p) for f, p, a in waves) * amp / 3
        points.append((x, int(y)))
    points.append((W, H))
    ImageDraw.Draw(img).polygon(points, fill=color)


def sea(img: Image.Image) -> None:
    draw = ImageDraw.Draw(img)
    top = int(H * 0.62)
    rnd = random.Random(7)
    for y in range(top, H):
        t = (y - top) / (H - top)
        draw.line([(0, y), (W, y)], fill=lerp((150, 90, 100), (20, 30, 60), t**0.6))
    for _ in range(900):
        y = rnd.randint(top + 2, H - 1)
        x = int(W * 0.62 + rnd.gauss(0, 40 + (y - top) * 0.6))
        length = rnd.randint(4, 30)
        draw.line([(x, y), (x + length, y)], fill=(255, 200, 140), width=1)


def lighthouse(img: Image.Image) -> None:
    draw = ImageDraw.Draw(img)
    x, base = int(W * 0.2), int(H * 0.56)
    draw.polygon(
        [(x - 26, base), (x + 26, base), (x + 16, base - 190), (x - 16, base - 190)],
        fill=(235, 230, 220),
    )
    for k in range(3):
        y = base - 40 - k * 55
        draw.polygon(
            [
                (x - 24 + k * 3, y),
                (x + 24 - k * 3, y),
                (x + 22 - k * 3, y - 20),
                (x - 22 + k * 3, y - 20),
            ],
            fill=(170, 40, 45),
        )
    draw.rectangle([x - 20, base - 215, x + 20, base - 190], fill=(40, 40, 50))
    draw.ellipse([x - 12, base - 212, x + 12, base - 193], fill=(255, 240, 170))
    draw.polygon([(x - 24, base - 215), (x + 24, base - 215), (x, base - 240)], fill=(40, 40, 50))
    beam = Image.new("L", img.size, 0)
    bd = ImageDraw.Draw(beam)
    steps, length = 28, 760
    for i in range(steps):
        x0, x1 = x + length * i / steps, x + length * (i + 1) / steps
        spread0, spread1 = 6 + 90 * i / steps, 6 + 90 * (i + 1) / steps
        y0, y1 = base - 203 - 130 * i / steps, base - 203 - 130 * (i + 1) / steps
        level = int(90 * (1 - i / steps) ** 1.5)
        bd.polygon(
            [(x0, y0 - spread0), (x1, y1 - spread1), (x1, y1 + spread1), (x0, y0 + spread0)],
            fill=level,
        )
    beam = beam.filter(ImageFilter.GaussianBlur(14))
    img.paste((255, 240, 190), (0, 0), beam)


def main() -> None:
    img = Image.new("RGB", (W, H))
    sky(img)
    sun(img)
    ridge(img, H * 0.55, 60, (88, 60, 96), 3)
    ridge(img, H * 0.595, 22, (62, 44, 78), 11)
    sea(img)
    headland = [
        (0, H),
        (0, int(H * 0.56)),
        (int(W * 0.14), int(H * 0.555)),
        (int(W * 0.3), int(H * 0.6)),
        (int(W * 0.36), int(H * 0.72)),
        (int(W * 0.33), H),
    ]
    ImageDraw.Draw(img).polygon(headland, fill=(30, 26, 40))
    lighthouse(img)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    OUT.parent.mkdir(exist_ok=True)
    img.save(OUT, quality=90, optimize=True)
    print(OUT, OUT.stat().st_size)


if __name__ == "__main__":
    main()
