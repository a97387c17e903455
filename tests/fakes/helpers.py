"""Small helpers shared by the tests of the fakes (images in, frames out)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg


def write_image(path: Path, size: tuple[int, int], color: tuple[int, int, int]) -> Path:
    """A solid-colour image at ``path`` (format from the suffix)."""
    Image.new("RGB", size, color).save(path)
    return path


def first_frame_rgb(video: Path) -> tuple[int, int, int]:
    """The average colour of ``video``'s first frame."""
    args = ["-i", str(video), "-frames:v", "1", "-vf", "scale=1:1", "-f", "rawvideo"]
    out = run_ffmpeg([*args, "-pix_fmt", "rgb24", "-"]).stdout
    return out[0], out[1], out[2]
