"""Draws the app icon into resources/icons/: PNGs for launchers, .ico, .icns.

Procedural (the repository carries no third-party artwork) and the same design
as resources/icons/app.svg: a blue rounded square, two film frames trailing
behind a play triangle — one picture becoming a chain of clips. Drawn once at
1024 px with 4x supersampling, then reduced per size so small icons stay crisp.
Run: .venv/bin/python tools/make_icons.py [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
MASTER = 1024
SUPERSAMPLE = 4
TOP_LEFT, BOTTOM_RIGHT = (111, 155, 255), (59, 91, 219)  # app.svg's gradient stops
OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def _scaled(box: tuple[float, ...], unit: float) -> list[float]:
    return [v * unit for v in box]


def _gradient(size: int) -> Image.Image:
    # t = (x + y) / 2 runs from the top-left corner to the bottom-right one, as in app.svg;
    # drawn small and scaled up, which a smooth ramp survives unchanged.
    steps = 256
    ramp = Image.new("L", (steps, steps))
    ramp.putdata([(x + y) // 2 for y in range(steps) for x in range(steps)])
    return Image.composite(
        Image.new("RGB", (size, size), BOTTOM_RIGHT),
        Image.new("RGB", (size, size), TOP_LEFT),
        ramp.resize((size, size), Image.BILINEAR),
    )


def draw_master() -> Image.Image:
    """The icon at MASTER px; the geometry is app.svg's 64-unit grid."""
    size = MASTER * SUPERSAMPLE
    unit = size / 64
    icon = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    tile = Image.new("L", (size, size), 0)
    ImageDraw.Draw(tile).rounded_rectangle(
        _scaled((2, 2, 62, 62), unit), radius=14 * unit, fill=255
    )
    icon.paste(_gradient(size), (0, 0), tile)
    for box, opacity in (((12, 20, 28, 44), 0.45), ((22, 17, 40, 47), 0.7)):
        frame = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        alpha = int(255 * opacity)
        ImageDraw.Draw(frame).rounded_rectangle(
            _scaled(box, unit), radius=3 * unit, fill=(255, 255, 255, alpha)
        )
        icon = Image.alpha_composite(icon, frame)
    ImageDraw.Draw(icon).polygon(
        [(36 * unit, 18 * unit), (54 * unit, 32 * unit), (36 * unit, 46 * unit)], fill="white"
    )
    return icon.resize((MASTER, MASTER), Image.LANCZOS)


def write_icons(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    master = draw_master()
    written = []
    for size in PNG_SIZES:
        path = out / f"scenemaker-{size}.png"
        master.resize((size, size), Image.LANCZOS).save(path, optimize=True)
        written.append(path)
    ico = out / "scenemaker.ico"
    master.save(ico, sizes=[(s, s) for s in ICO_SIZES])
    icns = out / "scenemaker.icns"
    master.save(icns)  # Pillow writes every icns size (16-1024) from the master
    return [*written, ico, icns]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    for path in write_icons(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
