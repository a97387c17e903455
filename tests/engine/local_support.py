"""Rendering Local Preview clips in tests: a detailed source image, jobs, decoded frames."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageStat

from scenemaker_desktop.engine.backends.base import ClipJob, ClipProgress, ClipResult
from scenemaker_desktop.engine.backends.local import LocalPreviewGenerator
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

TINY = {"resolution": "360p", "duration": 2, "fps": 12}
SIZE = (640, 360)
FRAMES = 24


def detailed_image(path: Path, size: tuple[int, int] = (800, 450)) -> Path:
    """Gradients and outlined shapes: enough structure to see where the camera looks."""
    rnd = random.Random(5)
    w, h = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    image = Image.merge("RGB", (red, green, Image.new("L", size, 90)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y, s = rnd.randrange(w), rnd.randrange(h), rnd.randrange(10, w // 6)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + s, y + s), fill=colour, outline=(0, 0, 0), width=3)
    image.save(path)
    return path


def clip_job(
    source: Path,
    output: Path,
    params: Mapping[str, Any],
    *,
    prompt: str = "she walks toward the camera",
    seed: Path | None = None,
    continuation: Mapping[str, Any] | None = None,
    action: str = "",
    chain: tuple[int, int] | None = None,
    preserve_quality: bool = True,
) -> ClipJob:
    """``chain`` is (index, number of chains); by default a lone chain or its follower."""
    index, count = chain or ((0, 1) if continuation is None else (1, 2))
    return ClipJob(
        chain_index=index,
        prompt=prompt,
        seed_image=seed or source,
        source_image=source,
        params=params,
        output=output,
        continuation=continuation,
        action=action,
        num_chains=count,
        preserve_quality=preserve_quality,
    )


def render(job: ClipJob, progress: list[ClipProgress] | None = None) -> ClipResult:
    generator = LocalPreviewGenerator()
    request_id = generator.submit(job, CancelToken())
    sink = progress if progress is not None else []
    return generator.wait(request_id, job, sink.append, CancelToken())


def decoded_frames(video: Path, size: tuple[int, int] = SIZE) -> list[Image.Image]:
    raw = run_ffmpeg(["-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]).stdout
    step = size[0] * size[1] * 3
    return [Image.frombytes("RGB", size, raw[i : i + step]) for i in range(0, len(raw), step)]


def mean_diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def continue_clip(
    source: Path,
    previous: ClipResult,
    output: Path,
    seed_index: int,
    params: Mapping[str, Any],
    seed: Path | None = None,
    preserve_quality: bool = True,
) -> ClipResult:
    continuation = {"previous_state": previous.state, "seed_frame_index": seed_index}
    job = clip_job(
        source,
        output,
        params,
        seed=seed,
        continuation=continuation,
        preserve_quality=preserve_quality,
    )
    return render(job)


def grown_from_seed(
    source: Path, folder: Path, params: Mapping[str, Any], seed_index: int = 20
) -> tuple[ClipResult, ClipResult, Path]:
    """Two chains without quality preservation: the second grows from frame ``seed_index``
    of the first, saved as ``seed.png`` (what a cloud model would be given)."""
    first = render(clip_job(source, folder / "chain0.mp4", params, preserve_quality=False))
    seed = folder / "seed.png"
    decoded_frames(first.video)[seed_index].save(seed)
    second = continue_clip(
        source, first, folder / "chain1.mp4", seed_index, params, seed=seed, preserve_quality=False
    )
    return first, second, seed
