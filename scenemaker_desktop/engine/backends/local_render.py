"""Turn a camera path over a still image into an H.264 clip.

The still is prepared once: centre-cropped to the output aspect, resized with
LANCZOS to output size × the path's largest zoom, and converted to BT.709
limited-range Y'CbCr planes (luma at full size, chroma at half, as yuv420p
wants). Each frame is then three mild BILINEAR resizes of float crop boxes
(the float box is what makes slow moves glide instead of stepping a pixel at
a time), piped as raw yuv420p into one ffmpeg/libx264 process.

Why planes rather than RGB frames: resizing an RGB image costs Pillow four
channels per pixel, the quarter-size chroma planes cost half a channel, and
ffmpeg then has no colour conversion to do. On the 2-core reference machine
that cut the CPU per 720p frame by about a quarter (bench/bench_local_render.py).
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image

from scenemaker_desktop.engine.backends.base import ClipProgress, ProgressCallback
from scenemaker_desktop.engine.backends.camera import CameraPath, CameraPose
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, last_error_line

# The resizes already take about half the CPU of a frame, and each step up from
# ultrafast (superfast, then veryfast) roughly doubles the encoder's share; on a
# 2-core machine that costs a third to a half of the frame rate. At CRF 20
# ultrafast looks the same on these slow, smooth moves; it only spends more bits
# (no CABAC, no deblocking), and assembly can re-encode.
X264_PRESET = "ultrafast"
X264_CRF = "20"
RENDER_WORKERS = 2  # Pillow releases the GIL while resizing, so two really overlap
FRAMES_AHEAD = 3  # per worker: hides uneven resize times, costs ~1.4 MB a frame at 720p
PROGRESS_REPORTS = 20


def _bt709_matrix() -> tuple[float, ...]:
    """Pillow convert() matrix (with offsets) from R'G'B' to limited-range BT.709 Y'CbCr."""
    kr, kb = 0.2126, 0.0722
    kg = 1.0 - kr - kb
    y = (kr, kg, kb)
    cb = tuple((b - yv) / (2 * (1 - kb)) for b, yv in zip((0.0, 0.0, 1.0), y, strict=True))
    cr = tuple((r - yv) / (2 * (1 - kr)) for r, yv in zip((1.0, 0.0, 0.0), y, strict=True))
    luma = tuple(v * 219 / 255 for v in y)
    blue = tuple(v * 224 / 255 for v in cb)
    red = tuple(v * 224 / 255 for v in cr)
    return (*luma, 16.0, *blue, 128.0, *red, 128.0)


_BT709 = _bt709_matrix()
_TAGS = "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"


@dataclass(frozen=True)
class Planes:
    """The prepared still: a luma plane and two half-size chroma planes (mode "L")."""

    luma: Image.Image
    blue: Image.Image
    red: Image.Image

    @classmethod
    def prepare(cls, image: Image.Image, size: tuple[int, int], max_zoom: float) -> Planes:
        width, height = size
        src_w, src_h = image.size
        ratio = width / height
        crop_w, crop_h = (src_h * ratio, src_h) if src_w / src_h > ratio else (src_w, src_w / ratio)
        box = (
            (src_w - crop_w) / 2,
            (src_h - crop_h) / 2,
            (src_w + crop_w) / 2,
            (src_h + crop_h) / 2,
        )
        work = (_even(max(width * max_zoom, width)), _even(max(height * max_zoom, height)))
        rgb = image.resize(work, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
        ycbcr = rgb.convert("RGB", _BT709)
        luma = ycbcr.getchannel(0)
        _, blue, red = ycbcr.resize((work[0] // 2, work[1] // 2), Image.Resampling.BOX).split()
        return cls(luma, blue, red)

    def frame(self, pose: CameraPose, size: tuple[int, int]) -> bytes:
        """One yuv420p frame of the view ``pose`` at ``size``."""
        width, height = self.luma.size
        x0, y0, x1, y1 = _inside(pose.crop_box(width, height), width, height)
        luma = self.luma.resize(size, Image.Resampling.BILINEAR, box=(x0, y0, x1, y1))
        # H.264's default chroma siting is "left": each chroma sample sits on an
        # even luma column, a quarter of an output pixel left of the 2×2 centre.
        step = (x1 - x0) / size[0]
        chroma_box = _inside(
            (x0 / 2 - step / 4, y0 / 2, x1 / 2 - step / 4, y1 / 2), width / 2, height / 2
        )
        half = (size[0] // 2, size[1] // 2)
        blue = self.blue.resize(half, Image.Resampling.BILINEAR, box=chroma_box)
        red = self.red.resize(half, Image.Resampling.BILINEAR, box=chroma_box)
        return b"".join((luma.tobytes(), blue.tobytes(), red.tobytes()))


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))


def _inside(
    box: tuple[float, float, float, float], width: float, height: float
) -> tuple[float, float, float, float]:
    """Slide ``box`` (never resize it) so float rounding cannot push it past the image."""
    x0, y0, x1, y1 = box
    dx = max(0.0, -x0) - max(0.0, x1 - width)
    dy = max(0.0, -y0) - max(0.0, y1 - height)
    return (
        max(0.0, x0 + dx),
        max(0.0, y0 + dy),
        min(width, x1 + dx),
        min(height, y1 + dy),
    )


def render_clip(
    planes: Planes,
    path: CameraPath,
    *,
    size: tuple[int, int],
    fps: int,
    frame_count: int,
    output: Path,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Encode the clip to a temp file beside ``output``, then move it into place."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.part")
    with tempfile.TemporaryFile() as stderr:
        # stderr goes to a file, not a pipe: nobody reads it while frames are
        # written, and a full pipe would stall ffmpeg and then us.
        proc = subprocess.Popen(
            _encoder_args(size, fps, partial),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            frames = _frames(planes, path, size, frame_count)
            fed = _feed(proc, frames, frame_count, on_progress, cancel)
            if _finish(proc, cancel) != 0 or not fed:
                stderr.seek(0)
                raise GenerationError(f"local: ffmpeg failed: {last_error_line(stderr.read())}")
            os.replace(partial, output)
        except BaseException:
            proc.kill()
            proc.wait()
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise


def _encoder_args(size: tuple[int, int], fps: int, target: Path) -> list[str]:
    raw_input = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{size[0]}x{size[1]}"]
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        *raw_input,
        "-framerate",
        str(fps),
        "-i",
        "pipe:0",
        "-an",
        # The planes are BT.709; say so, or players guess (and guess 601 for SD).
        "-vf",
        _TAGS,
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-crf",
        X264_CRF,
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(target),
    ]


def _feed(
    proc: subprocess.Popen[bytes],
    frames: Iterator[bytes],
    total: int,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> bool:
    """Write every frame to ffmpeg; False when ffmpeg stopped reading (it failed)."""
    every = max(1, math.ceil(total / PROGRESS_REPORTS))
    stdin: IO[bytes] = proc.stdin  # type: ignore[assignment]
    with contextlib.closing(frames):
        for done, frame in enumerate(frames, start=1):
            cancel.raise_if_cancelled()
            try:
                stdin.write(frame)
            except OSError:  # BrokenPipeError among them: ffmpeg has exited
                return False
            if done % every == 0 or done == total:
                on_progress(ClipProgress(done / total, f"Rendering frame {done}/{total}"))
    return True


def _frames(planes: Planes, path: CameraPath, size: tuple[int, int], total: int) -> Iterator[bytes]:
    """Frames in order, rendered a few ahead by a small thread pool."""
    last = max(total - 1, 1)

    def render(index: int) -> bytes:
        return planes.frame(path.pose(index / last), size)

    with ThreadPoolExecutor(RENDER_WORKERS, thread_name_prefix="local-frame") as pool:
        pending: collections.deque[Future[bytes]] = collections.deque()
        queued = 0
        try:
            for _ in range(total):
                while queued < total and len(pending) < RENDER_WORKERS * FRAMES_AHEAD:
                    pending.append(pool.submit(render, queued))
                    queued += 1
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _finish(proc: subprocess.Popen[bytes], cancel: CancelToken) -> int:
    """Close ffmpeg's input and wait for it to flush, still honouring cancel."""
    # An OSError here means ffmpeg already exited; its return code tells why.
    with contextlib.suppress(OSError):
        proc.stdin.close()  # type: ignore[union-attr]
    while True:
        try:
            return proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            if cancel.cancelled:
                raise Cancelled() from None
