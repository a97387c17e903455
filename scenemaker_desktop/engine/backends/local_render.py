"""Turn a sequence of camera poses over a still image into an H.264 clip.

The still is prepared once: centre-cropped to the output aspect, converted to
BT.709 limited-range Y'CbCr and resized with LANCZOS into a luma plane and two
half-size chroma planes (as yuv420p wants). Each frame is then three mild
BILINEAR resizes of float crop boxes (the float box is what makes slow moves
glide instead of stepping a pixel at a time), piped as raw yuv420p into one
ffmpeg/libx264 process.

Why planes rather than RGB frames: resizing an RGB image costs Pillow four
channels per pixel, the quarter-size chroma planes cost half a channel, and
ffmpeg then has no colour conversion to do. Luma planes are sized for the
clip's largest zoom, not its smallest: cheaper upscales would soften the most
magnified frames. docs/PERFORMANCE.md has the measurements behind these choices.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import math
import os
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from PIL import Image

from scenemaker_desktop.engine.backends.base import ClipProgress, ProgressCallback
from scenemaker_desktop.engine.backends.camera import CameraPose
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, last_error_line

# Ultrafast and a constant QP: slower presets and CRF cost frame rate and look the same
# on these slow, smooth moves, and assembly re-encodes anyway (figures: PERFORMANCE.md).
X264_PRESET = "ultrafast"
X264_QP = "18"
RENDER_WORKERS = 2  # Pillow releases the GIL while resizing, so two really overlap
FRAMES_AHEAD = 3  # per worker: hides uneven resize times, costs ~1.4 MB a frame at 720p
PROGRESS_REPORTS = 20
PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged pipe

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

Frame = tuple[bytes, bytes, bytes]
"""One yuv420p frame as its three planes (written one after another, never joined)."""


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
    def prepare(
        cls,
        image: Image.Image,
        size: tuple[int, int],
        zooms: tuple[float, float],
        pool: Executor | None = None,
    ) -> Planes:
        """Planes of ``image``'s centre (at ``size``'s aspect) for views zoomed ``zooms``.

        Luma is prepared for the largest zoom, so no frame magnifies the
        LANCZOS-resampled still. Chroma is prepared for the smallest, so every
        chroma resize is a cheap 2-tap upscale (by at most the clip's zoom
        range): at half resolution that costs nothing visible, and against a
        LANCZOS reference it scored better than downscaling did. With a
        ``pool``, luma is resized there while chroma is resized here.
        """
        width, height = size
        low, high = max(min(zooms), 1.0), max(max(zooms), 1.0)
        luma_size = (_even(width * high), _even(height * high))
        chroma_size = (max(1, round(width / 2 * low)), max(1, round(height / 2 * low)))
        image, box = _reduced(image, _aspect_box(image.size, width / height), luma_size)
        # Convert before resizing: each plane's resize then runs on one channel, not three.
        luma, blue, red = image.convert("RGB", _BT709).split()
        sharp = functools.partial(_resized, box=box, reducing_gap=3.0)
        # Chroma may take a cheap 2:1 box reduction first even when only ~3:1 is needed.
        soft = functools.partial(_resized, box=box, reducing_gap=1.5)
        luma_plane = pool.submit(sharp, luma, luma_size) if pool else None
        chroma = (soft(blue, chroma_size), soft(red, chroma_size))
        return cls(luma_plane.result() if luma_plane else sharp(luma, luma_size), *chroma)

    def frame(self, pose: CameraPose, size: tuple[int, int]) -> Frame:
        """One yuv420p frame of the view ``pose`` at ``size``."""
        width, height = self.luma.size
        luma_box = _inside(pose.crop_box(width, height), width, height)
        luma = self.luma.resize(size, Image.Resampling.BILINEAR, box=luma_box)
        width, height = self.blue.size
        x0, y0, x1, y1 = pose.crop_box(width, height)
        # H.264's default chroma siting is "left": each chroma sample sits on an
        # even luma column, a quarter of an output pixel left of the 2×2 centre.
        half = (size[0] // 2, size[1] // 2)
        shift = (x1 - x0) / half[0] / 4
        chroma_box = _inside((x0 - shift, y0, x1 - shift, y1), width, height)
        blue = self.blue.resize(half, Image.Resampling.BILINEAR, box=chroma_box)
        red = self.red.resize(half, Image.Resampling.BILINEAR, box=chroma_box)
        return luma.tobytes(), blue.tobytes(), red.tobytes()


def _reduced(
    image: Image.Image, box: tuple[float, float, float, float], size: tuple[int, int]
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """``box`` of ``image`` shrunk by a whole factor while still 3× ``size`` or more.

    What ``resize(reducing_gap=3)`` would do, done once up front so that the
    colour conversion and the plane split only see the pixels needed: for a
    50 MP photo that is most of the preparation time, and 300 MB.
    """
    factor = int(min((box[2] - box[0]) / size[0], (box[3] - box[1]) / size[1]) / 3.0)
    if factor < 2:
        return image, box
    outer = (math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3]))
    inner = tuple((edge - outer[i % 2]) / factor for i, edge in enumerate(box))
    return image.reduce(factor, box=outer), inner  # type: ignore[return-value]


def _resized(
    plane: Image.Image,
    size: tuple[int, int],
    box: tuple[float, float, float, float],
    reducing_gap: float,
) -> Image.Image:
    return plane.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=reducing_gap)


def _aspect_box(source: tuple[int, int], ratio: float) -> tuple[float, float, float, float]:
    """The centred box of ``source`` with width/height ``ratio`` (the base frame)."""
    src_w, src_h = source
    crop_w, crop_h = (src_h * ratio, src_h) if src_w / src_h > ratio else (src_w, src_w / ratio)
    return ((src_w - crop_w) / 2, (src_h - crop_h) / 2, (src_w + crop_w) / 2, (src_h + crop_h) / 2)


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
    load: Callable[[], Image.Image],
    poses: Sequence[CameraPose],
    *,
    size: tuple[int, int],
    fps: int,
    output: Path,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Encode one frame per pose of the image ``load`` returns; write ``output`` atomically.

    ffmpeg is started before ``load`` runs, so its start-up overlaps decoding
    the still, which with preparing the planes is most of a short clip's fixed cost.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.part")
    zooms = (min(pose.zoom for pose in poses), max(pose.zoom for pose in poses))
    with (
        tempfile.TemporaryFile() as stderr,
        ThreadPoolExecutor(RENDER_WORKERS, thread_name_prefix="local-frame") as pool,
    ):
        # stderr goes to a file, not a pipe: nobody reads it while frames are
        # written, and a full pipe would stall ffmpeg and then us.
        proc = subprocess.Popen(
            _encoder_args(size, fps, partial),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            with _killed_on_cancel(proc, cancel):
                _widen_pipe(proc)
                planes = Planes.prepare(load(), size, zooms, pool)
                frames = _frames(planes, poses, size, pool)
                fed = _feed(proc, frames, len(poses), on_progress, cancel)
                code = _finish(proc, cancel)
            if code != 0 or not fed:
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
        "-qp",
        X264_QP,
        "-pix_fmt",
        "yuv420p",
        # No +faststart: it rewrites the whole file once more, and a clip is only
        # ever read from disk (final.mp4, which may be shared, gets it at assembly).
        "-f",
        "mp4",
        str(target),
    ]


def _widen_pipe(proc: subprocess.Popen[bytes]) -> None:
    """Let a whole frame sit in ffmpeg's input pipe (Linux; elsewhere a no-op).

    With the default 64 KiB, writer and reader take turns ~20 times a frame.
    """
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if set_size is not None and proc.stdin is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(proc.stdin.fileno(), set_size, PIPE_BYTES)


@contextlib.contextmanager
def _killed_on_cancel(proc: subprocess.Popen[bytes], cancel: CancelToken) -> Iterator[None]:
    """Kill ffmpeg as soon as ``cancel`` fires, from a watchdog thread.

    A write to ffmpeg's stdin blocks while ffmpeg is not reading; if ffmpeg
    stalls without exiting, the writing thread could never look at the cancel
    token again. Killing ffmpeg breaks the pipe, so the write fails at once.
    """
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if cancel.cancelled:
                with contextlib.suppress(OSError):
                    proc.kill()
                return

    watchdog = threading.Thread(target=watch, name="local-cancel", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()
    cancel.raise_if_cancelled()  # a write broken by the watchdog is a cancel, not a failure


def _feed(
    proc: subprocess.Popen[bytes],
    frames: Iterator[Frame],
    total: int,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> bool:
    """Write every frame to ffmpeg; False when ffmpeg stopped reading (it failed)."""
    every = max(1, math.ceil(total / PROGRESS_REPORTS))
    stdin: IO[bytes] = proc.stdin  # type: ignore[assignment]
    with contextlib.closing(frames):
        for done, planes in enumerate(frames, start=1):
            cancel.raise_if_cancelled()
            try:
                for plane in planes:
                    stdin.write(plane)
            except OSError:  # BrokenPipeError among them: ffmpeg has exited
                return False
            if done % every == 0 or done == total:
                on_progress(ClipProgress(done / total, f"Rendering frame {done}/{total}"))
    return True


def _frames(
    planes: Planes, poses: Sequence[CameraPose], size: tuple[int, int], pool: Executor
) -> Iterator[Frame]:
    """Frames in order, rendered a few ahead on ``pool``."""
    pending: collections.deque[Future[Frame]] = collections.deque()
    queued = 0
    try:
        for _ in poses:
            while queued < len(poses) and len(pending) < RENDER_WORKERS * FRAMES_AHEAD:
                pending.append(pool.submit(planes.frame, poses[queued], size))
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
