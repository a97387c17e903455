"""Render the fake's "generated" clip: a real H.264 mp4 that slowly zooms into the image.

The first frame is the uploaded image itself, so chain tests can check that a
clip really starts from its seed frame. Small by default (longest side 320 px,
1 s at 12 fps) to keep the suite fast on a shared 2-core machine.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import ffmpeg
from PIL import Image

from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg


class UnreadableImage(ValueError):
    """The bytes handed to the fake as an image are not one Pillow can decode."""


def clip_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The clip's frame size: the image's aspect, longest side ``max_side``, even numbers."""
    scale = max_side / max(width, height)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def render_clip(image: bytes, *, seconds: float, fps: int, max_side: int = 320) -> bytes:
    """An mp4 of ``seconds`` at ``fps`` zooming from 1.0 to 1.1 over ``image``."""
    try:
        with Image.open(io.BytesIO(image)) as img:
            rgb = img.convert("RGB")
    except Exception as exc:  # Pillow raises many types for bad input
        raise UnreadableImage(str(exc)) from exc
    width, height = clip_size(rgb.width, rgb.height, max_side)
    frames = max(1, round(seconds * fps))
    with tempfile.TemporaryDirectory(prefix="fakefal-") as tmp:
        src, out = Path(tmp, "in.png"), Path(tmp, "out.mp4")
        # Upscaling first keeps zoompan's integer crop steps from jittering.
        rgb.resize((width * 2, height * 2)).save(src)
        stream = (
            ffmpeg.input(str(src))
            .filter(
                "zoompan",
                z=f"1+0.1*on/{frames}",
                x="iw/2-(iw/zoom/2)",
                y="ih/2-(ih/zoom/2)",
                d=frames,
                s=f"{width}x{height}",
                fps=fps,
            )
            .filter("format", "yuv420p")
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
