"""Tiny test clips rendered from Pillow frames, piped to ffmpeg as raw RGB.

Frames are made so a test can tell them apart after an H.264 round trip:
``grey_frames`` gives every frame its own flat brightness, ``pattern_frame``
gives a crisp checkerboard that a blur visibly softens.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageStat

from scenemaker_desktop.engine.media import probe
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.media.frames import ANALYSIS_WIDTH, _latest_near_best, sharpness

SIZE = (320, 180)
GREY_START = 10
GREY_STEP = 6


def grey_level(index: int) -> int:
    """The flat brightness ``grey_frames`` gives frame ``index``."""
    return GREY_START + index * GREY_STEP


def grey_frames(count: int, size: tuple[int, int] = SIZE) -> list[Image.Image]:
    if grey_level(count - 1) > 250:
        raise ValueError(f"at most {(250 - GREY_START) // GREY_STEP + 1} grey frames fit")
    return [Image.new("RGB", size, (grey_level(i),) * 3) for i in range(count)]


def pattern_frame(shift: int = 0, size: tuple[int, int] = SIZE, blur: float = 0.0) -> Image.Image:
    """A black and white checkerboard, moved ``shift`` px, optionally Gaussian-blurred."""
    image = Image.new("RGB", size, (20, 20, 20))
    draw = ImageDraw.Draw(image)
    cell = 10
    for y in range(-cell, size[1] + cell, cell):
        for x in range(-cell, size[0] + cell, cell):
            if (x // cell + y // cell) % 2 == 0:
                left = x + shift % (2 * cell)
                draw.rectangle([left, y, left + cell - 1, y + cell - 1], fill=(235, 235, 235))
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def render_clip(
    path: Path,
    frames: Sequence[Image.Image],
    fps: float = 24,
    crf: int = 4,
    extra: Sequence[str] = (),
) -> Path:
    """Encode ``frames`` as an H.264 mp4 (yuv420p) at ``path``; crf 4 is near-lossless."""
    width, height = frames[0].size
    raw = b"".join(frame.convert("RGB").tobytes() for frame in frames)
    args = ["-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps)]
    args += ["-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
    args += ["-crf", str(crf), *extra, str(path)]
    run_ffmpeg(args, input_bytes=raw)
    return path


def grey_clip(
    path: Path,
    count: int,
    fps: float = 24,
    size: tuple[int, int] = SIZE,
    extra: Sequence[str] = (),
) -> Path:
    return render_clip(path, grey_frames(count, size), fps=fps, extra=extra)


def mean_level(path: Path) -> float:
    """Mean grey level of an image file (for telling grey frames apart)."""
    with Image.open(path) as image:
        return ImageStat.Stat(image.convert("L")).mean[0]


def frame_index_from_level(level: float) -> int:
    return round((level - GREY_START) / GREY_STEP)


def seed_by_whole_decode(video: Path, lookback: int) -> tuple[int, float]:
    """The seed choice as it was made before tail-only decoding: every frame decoded."""
    info = probe(video)
    start = max(0, info.frame_count - lookback)
    width = min(ANALYSIS_WIDTH, info.width)
    height = max(2, round(info.height * width / info.width / 2) * 2)
    chain = f"select=gte(n\\,{start}),scale={width}:{height},format=gray"
    args = ["-i", str(video), "-map", "0:v:0", "-vf", chain, "-fps_mode", "passthrough"]
    raw = run_ffmpeg([*args, "-f", "rawvideo", "-pix_fmt", "gray", "pipe:1"]).stdout
    size = width * height
    frames = [raw[at : at + size] for at in range(0, len(raw) - size + 1, size)]
    scores = [sharpness(Image.frombytes("L", (width, height), frame)) for frame in frames]
    pick = _latest_near_best(scores)
    return start + pick, scores[pick]
