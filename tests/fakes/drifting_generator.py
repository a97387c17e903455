"""A generator that drifts on purpose, as chained video models do: every clip it makes
warms the colour and raises the contrast a little from its first frame to its last,
so a clip started from the previous one's end compounds the drift.

It renders from ``job.seed_image`` only (a cloud model sees nothing else). The
camera sways (over a mirrored border) and comes back, so each clip has motion of
its own to measure seams against while its last frame frames what its first did:
what drifts is the colour, not the content.
Used by tests/engine/test_continuity_runner.py and bench/bench_continuity.py.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps

from scenemaker_desktop.engine.backends.base import (
    ClipJob,
    ClipProgress,
    ClipResult,
    ProgressCallback,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

SIZE = (320, 180)
FPS = 12
SWAY = 24
"""How far (px) the camera sways away and back within one clip."""


def graded(image: Image.Image, amount: float) -> Image.Image:
    """``image`` warmed and contrasted by ``amount`` (1.0: one clip's worth of drift)."""
    # Calibrated on resources/sample_coast.jpg: amount 1.0 moves the mean colour ≈ 2.7 ΔE.
    gain, lift, contrast = 1 + 0.03 * amount, 1.8 * amount, 1 + 0.036 * amount

    def curve(scale: float, offset: float):
        return lambda v: max(0, min(255, round(((v * scale + offset) - 128) * contrast + 128)))

    red, green, blue = image.convert("RGB").split()
    bands = (red.point(curve(gain, lift)), green.point(curve(1, 0)), blue.point(curve(2 - gain, 0)))
    return Image.merge("RGB", bands)


@dataclass
class DriftingGenerator:
    """``drift`` scales the per-clip grade; ``frames`` is each clip's length."""

    drift: float = 1.0
    frames: int = 24
    model_id: str = "drifting"
    remote: bool = False
    submits: list[int] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def submit(self, job: ClipJob, cancel: CancelToken, on_sending=lambda: None) -> str:
        cancel.raise_if_cancelled()
        self.submits.append(job.chain_index)
        return f"drift-{next(self._ids)}"

    def wait(
        self, request_id: str, job: ClipJob, on_progress: ProgressCallback, cancel: CancelToken
    ) -> ClipResult:
        on_progress(ClipProgress(0.5, "drifting"))
        with Image.open(job.seed_image) as opened:
            seed = opened.convert("RGB").resize(SIZE, Image.Resampling.LANCZOS)
        canvas = _mirrored(seed, SWAY)
        raw = b"".join(self._frame(canvas, i).tobytes() for i in range(self.frames))
        _encode(raw, Path(job.output), cancel)
        return ClipResult(Path(job.output), {"request": request_id}, 0.0)

    def cancel(self, request_id: str) -> bool:
        return True

    def close(self) -> None:
        """Holds nothing."""

    def _frame(self, canvas: Image.Image, index: int) -> Image.Image:
        t = index / max(self.frames - 1, 1)
        # out and back at a steady speed: no frame of the clip moves much more than another
        dx, dy = SWAY * _triangle(t), SWAY / 2 * _triangle(2 * t % 1)
        left, top = SWAY + dx, SWAY + dy
        box = (left, top, left + SIZE[0], top + SIZE[1])
        moved = canvas.transform(SIZE, Image.Transform.EXTENT, box, Image.Resampling.BILINEAR)
        return graded(moved, self.drift * t)


def _triangle(t: float) -> float:
    """0 → 1 → 0 → −1 → 0 as ``t`` goes from 0 to 1, in straight lines."""
    return 1 - abs(4 * t - 1) if t < 0.5 else abs(4 * t - 3) - 1


def _mirrored(image: Image.Image, border: int) -> Image.Image:
    """``image`` with a ``border`` of its own mirror image on every side."""
    w, h = image.size
    flipped_x = ImageOps.mirror(image)
    row = Image.new("RGB", (w * 3, h))
    for i, tile in enumerate((flipped_x, image, flipped_x)):
        row.paste(tile, (i * w, 0))
    canvas = Image.new("RGB", (w * 3, h * 3))
    for j, tile in enumerate((ImageOps.flip(row), row, ImageOps.flip(row))):
        canvas.paste(tile, (0, j * h))
    return canvas.crop((w - border, h - border, 2 * w + border, 2 * h + border))


def _encode(raw: bytes, dest: Path, cancel: CancelToken) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.stem + ".part.mp4")
    size = f"{SIZE[0]}x{SIZE[1]}"
    args = ["-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", str(FPS), "-i", "-"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p"]
    run_ffmpeg([*args, str(tmp)], input_bytes=raw, cancel=cancel)
    tmp.replace(dest)
