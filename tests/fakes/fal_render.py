"""What the fake's "models" make: clips that zoom into the image, and the face steps' images.

A clip is a real H.264 mp4 whose first frame is the uploaded image itself, so
chain tests can check that a clip really starts from its seed frame. Small by
default (longest side 320 px, 1 s at 12 fps) to keep the suite fast on a shared
2-core machine. With a ``drift`` it also grades toward warmer colour and more
contrast over its frames, as real image-to-video models drift (see ``grade_strength``).

The image endpoints answer with the uploaded image changed in a small way tests
can see: a restoration is lightly sharpened and marked with one pixel
(``RESTORED_MARK`` at the top left); a swap pastes the centre of the swap image
over the centre of the base.
"""

from __future__ import annotations

import io
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
from PIL import Image, ImageFilter

from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from tests.fakes.colour import delta_e76, mean_lab

ZOOM = 0.1
"""How much a clip zooms in over its length (1.0 to 1.1)."""
RESTORED_MARK = (255, 0, 255)
_WARM = (1.0, 0.3, -1.0)
"""Levels added to red, green and blue per unit of grade: toward orange, as a warm grade."""
_CONTRAST = 0.02
"""Contrast gain around mid-grey per unit of grade."""
_MAX_STRENGTH = 100.0
_SOLVE_SIDE = 160
"""The solve works on a thumbnail: the mean colour needs no detail, and it takes ~10 ms."""


class UnreadableImage(ValueError):
    """The bytes handed to the fake as an image are not one Pillow can decode."""


@dataclass(frozen=True)
class Still:
    """An image endpoint's answer: PNG bytes and their size."""

    data: bytes
    width: int
    height: int


def decode_image(data: bytes) -> Image.Image:
    """``data`` as an RGB image; UnreadableImage when Pillow cannot decode it."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            return img.convert("RGB")
    except Exception as exc:  # Pillow raises many types for bad input
        raise UnreadableImage(str(exc)) from exc


def clip_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The clip's frame size: the image's aspect, longest side ``max_side``, even numbers."""
    scale = max_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def render_clip(
    rgb: Image.Image, *, seconds: float, fps: int, max_side: int = 320, drift: float = 0.0
) -> bytes:
    """An mp4 of ``seconds`` at ``fps`` zooming from 1.0 to 1.1 over ``rgb``; with
    ``drift`` > 0 its last frame's mean colour is about ``drift`` ΔE76 from the image's."""
    width, height = clip_size(rgb.width, rgb.height, max_side)
    frames = max(1, round(seconds * fps))
    with tempfile.TemporaryDirectory(prefix="fakefal-") as tmp:
        src, out = Path(tmp, "in.png"), Path(tmp, "out.mp4")
        # Upscaling first keeps zoompan's integer crop steps from jittering.
        rgb.resize((width * 2, height * 2)).save(src)
        stream = ffmpeg.input(str(src)).filter(
            "zoompan",
            z=f"1+{ZOOM}*on/{frames}",
            x="iw/2-(iw/zoom/2)",
            y="ih/2-(ih/zoom/2)",
            d=frames,
            s=f"{width}x{height}",
            fps=fps,
        )
        if drift > 0 and frames > 1:
            strength = grade_strength(rgb, drift, zoom=1 + ZOOM * (frames - 1) / frames)
            stream = _drifting(stream, strength, seconds=(frames - 1) / fps)
        stream = (
            stream.filter("format", "yuv420p")
            .output(
                str(out),
                vcodec="libx264",
                preset="ultrafast",
                crf=28,
                movflags="+faststart",
                **{"frames:v": frames},
            )
            .overwrite_output()
        )
        run_ffmpeg(stream.get_args(), timeout=120)
        return out.read_bytes()


# -- drift ---------------------------------------------------------------------------


def grade_strength(rgb: Image.Image, drift: float, *, zoom: float) -> float:
    """The grade strength that puts the last frame's mean colour ``drift`` ΔE76 from the image's.

    The last frame shows the centre ``1/zoom`` of the image, graded, so its colour moves
    both by the crop (detail at the edges leaves the frame) and by the grade; ``drift``
    is for the two together, as a real model's drift is measured from its frames. The
    distance grows with the strength once past any dip (a crop shift that points
    against the grade), so bisection finds the one crossing; 0 when the crop alone
    moves the colour that far.
    """
    small = rgb.copy()
    small.thumbnail((_SOLVE_SIDE, _SOLVE_SIDE))
    seed = mean_lab(small)
    view = _centre(small, zoom)

    def distance(strength: float) -> float:
        return delta_e76(seed, mean_lab(graded(view, strength)))

    low, high = 0.0, _MAX_STRENGTH
    if distance(low) >= drift:
        return low
    for _ in range(16):
        middle = (low + high) / 2
        low, high = (middle, high) if distance(middle) < drift else (low, middle)
    return high


def graded(image: Image.Image, strength: float) -> Image.Image:
    """``image`` with the grade at ``strength`` (what the clip's last frame gets)."""
    bands = [
        band.point(lambda value, c=channel: _level(value, c, strength))
        for channel, band in enumerate(image.convert("RGB").split())
    ]
    return Image.merge("RGB", bands)


def _level(value: int, channel: int, strength: float) -> int:
    """One channel's graded level; ``_lut_expression`` is the same formula for ffmpeg."""
    gain, lift = 1 + _CONTRAST * strength, _WARM[channel] * strength
    return min(255, max(0, math.floor((value - 128) * gain + 128 + lift + 0.5)))


def _lut_expression(channel: int, strength: float) -> str:
    gain, lift = 1 + _CONTRAST * strength, _WARM[channel] * strength
    return f"clip(floor((val-128)*{gain:.6f}+128+{lift:.6f}+0.5),0,255)"


def _drifting(
    stream: ffmpeg.nodes.FilterableStream, strength: float, seconds: float
) -> ffmpeg.nodes.FilterableStream:
    """``stream`` cross-faded over ``seconds`` into its graded copy: frame 0 untouched,
    the last frame fully graded. Native filters (lutrgb, xfade): a per-pixel expression
    (geq) made the render 20x slower."""
    split = stream.split()
    grade = {name: _lut_expression(channel, strength) for channel, name in enumerate("rgb")}
    graded_copy = split[1].filter("lutrgb", **grade)
    return ffmpeg.filter(
        [split[0], graded_copy], "xfade", transition="fade", duration=f"{seconds:.6f}", offset=0
    )


def _centre(image: Image.Image, zoom: float) -> Image.Image:
    width, height = image.size
    left, top = width * (1 - 1 / zoom) / 2, height * (1 - 1 / zoom) / 2
    return image.crop((round(left), round(top), round(width - left), round(height - top)))


# -- the image endpoints -------------------------------------------------------------


def restore_faces(image: Image.Image) -> Still:
    """CodeFormer's stand-in: lightly sharpened, and ``RESTORED_MARK`` at (0, 0)."""
    restored = image.filter(ImageFilter.UnsharpMask(radius=1.5, percent=40, threshold=2))
    restored.putpixel((0, 0), RESTORED_MARK)
    return _still(restored)


def swap_face(base: Image.Image, swap: Image.Image) -> Still:
    """face-swap's stand-in: the centre of ``swap`` pasted over the centre of ``base``, in a
    square a quarter of the base's shorter side (its "face")."""
    side = max(1, min(base.size) // 4)
    face = _centre_square(swap, min(side, *swap.size)).resize((side, side))
    swapped = base.copy()
    swapped.paste(face, ((base.width - side) // 2, (base.height - side) // 2))
    return _still(swapped)


def _centre_square(image: Image.Image, side: int) -> Image.Image:
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def _still(image: Image.Image) -> Still:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)  # the fake's speed over file size
    return Still(buffer.getvalue(), image.width, image.height)
