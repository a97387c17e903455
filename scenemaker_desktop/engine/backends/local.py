"""Local Preview: the offline generator that animates the still with a camera move.

Each frame is a sub-pixel crop of one prepared working image, resized with a
float box (that is what keeps slow moves free of stair-steps), piped as raw RGB
into a single ffmpeg/libx264 process. Two worker threads resize frames ahead
of the encoder; Pillow releases the GIL while resizing, so they really overlap.
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from PIL import Image, ImageOps

from scenemaker_desktop.engine.backends.base import (
    ClipJob,
    ClipProgress,
    ClipResult,
    ProgressCallback,
)
from scenemaker_desktop.engine.backends.camera import (
    IDENTITY,
    CameraMove,
    CameraPath,
    CameraPose,
    choose_move,
    initial_pose,
    plan_path,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, last_error_line

SHORT_SIDES = {"360p": 360, "480p": 480, "720p": 720, "1080p": 1080}
ASPECT_RATIOS = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4}

# veryfast keeps the encoder off the critical path on a 2-core machine while
# staying close to "medium" in quality at CRF 20 for these smooth, slow moves.
X264_PRESET = "veryfast"
X264_CRF = "20"
RENDER_WORKERS = 2
FRAMES_AHEAD = 4  # per worker: enough to hide jitter in resize times, little memory
PROGRESS_REPORTS = 20


@dataclass(frozen=True)
class RenderSettings:
    """The clip parameters the local renderer reads, already resolved to numbers."""

    width: int
    height: int
    aspect_ratio: str
    fps: int
    duration: int
    strength: float
    move: CameraMove
    quality_preservation: bool

    @property
    def frame_count(self) -> int:
        return self.duration * self.fps


def nearest_aspect(width: int, height: int) -> str:
    """The supported aspect ratio closest to ``width``/``height`` (compared on a log scale)."""
    ratio = math.log(width / height)
    return min(ASPECT_RATIOS, key=lambda name: abs(math.log(ASPECT_RATIOS[name]) - ratio))


def output_size(resolution: str, aspect_ratio: str) -> tuple[int, int]:
    """Frame size for a resolution name (its short side) and an aspect ratio; both even."""
    short = SHORT_SIDES[resolution]
    ratio = ASPECT_RATIOS[aspect_ratio]
    long = 2 * round(short * max(ratio, 1 / ratio) / 2)
    return (long, short) if ratio >= 1 else (short, long)


def read_settings(
    params: Mapping[str, Any], prompt: str, source_size: tuple[int, int]
) -> RenderSettings:
    aspect = str(params.get("aspect_ratio", "auto"))
    if aspect == "auto":
        aspect = nearest_aspect(*source_size)
    width, height = output_size(str(params.get("resolution", "720p")), aspect)
    move_name = str(params.get("camera_move", "auto"))
    return RenderSettings(
        width=width,
        height=height,
        aspect_ratio=aspect,
        fps=int(params.get("fps", 24)),
        duration=int(params.get("duration", 5)),
        strength=float(params.get("motion_strength", 0.5)),
        move=choose_move(prompt) if move_name == "auto" else CameraMove(move_name),
        quality_preservation=bool(params.get("quality_preservation", True)),
    )


def pose_at_frame(state: Mapping[str, Any], index: int) -> CameraPose:
    """The camera pose of frame ``index`` of a clip whose ``ClipResult.state`` is given."""
    count = int(state["frame_count"])
    index = min(max(index, 0), count - 1)
    return CameraPath.from_dict(state).pose(index / max(count - 1, 1))


class LocalPreviewGenerator:
    """Renders camera-move clips offline; the default when no fal key is set."""

    model_id = "local"

    def submit(self, job: ClipJob) -> str:
        return f"local-{uuid.uuid4().hex}"

    def cancel(self, request_id: str) -> None:
        """Nothing runs remotely; the cancel token given to ``wait`` stops rendering."""

    def wait(
        self,
        request_id: str,
        job: ClipJob,
        on_progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ClipResult:
        cancel.raise_if_cancelled()
        previous, seed_pose = _continuation(job)
        # Quality preservation renders every chain from the full-resolution source
        # with the continued pose: re-rendering from a seed frame that was already
        # resampled and H.264-compressed would soften the picture a little more each
        # chain. Off, we follow the seed frame like a cloud model must (it only sees
        # the seed), so the preview shows what plain chaining does to a picture.
        preserve = bool(job.params.get("quality_preservation", True)) and seed_pose is not None
        from_source = previous is None or preserve
        image = _load_rgb(job.source_image if from_source else job.seed_image)
        settings = read_settings(job.params, job.prompt, image.size)
        if previous is None:
            start = initial_pose(settings.move, settings.strength, duration_s=settings.duration)
        else:
            start = seed_pose if preserve and seed_pose is not None else IDENTITY
        path = plan_path(
            settings.move, settings.strength, start, previous=previous, duration_s=settings.duration
        )
        working = _working_image(image, settings.width, settings.height, path.max_zoom)
        del image
        _render(working, path, settings, Path(job.output), on_progress, cancel)
        state = {
            **path.to_dict(),
            "generator": self.model_id,
            "motion_strength": settings.strength,
            "frame_count": settings.frame_count,
            "fps": settings.fps,
            "width": settings.width,
            "height": settings.height,
            "aspect_ratio": settings.aspect_ratio,
            "rendered_from": "source" if from_source else "seed",
        }
        return ClipResult(video=Path(job.output), state=state, cost_usd=0.0)


def _continuation(job: ClipJob) -> tuple[CameraPath | None, CameraPose | None]:
    """The previous chain's path and the pose of its seed frame (None, None for chain 0).

    A state that is not a local clip's (or is damaged) gives a path but no pose:
    the seed frame is then the only truth about where the last clip ended.
    """
    if not job.continuation:
        return None, None
    state = job.continuation.get("previous_state") or {}
    try:
        path = CameraPath.from_dict(state)
        index = int(job.continuation.get("seed_frame_index", int(state["frame_count"]) - 1))
        return path, pose_at_frame(state, index)
    except (KeyError, TypeError, ValueError):
        return CameraPath(CameraMove.DRIFT, IDENTITY, IDENTITY), None


def _load_rgb(path: Path) -> Image.Image:
    try:
        with Image.open(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened) or opened
            return image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GenerationError(f"local: cannot read the image {Path(path).name}: {reason}") from exc


def _working_image(image: Image.Image, width: int, height: int, max_zoom: float) -> Image.Image:
    """The base frame (source centre-cropped to the output aspect) at output size × max zoom.

    One LANCZOS resize here means each frame is only a mild BILINEAR downscale
    of a crop, which is both fast and sharp.
    """
    src_w, src_h = image.size
    ratio = width / height
    crop_w, crop_h = (src_h * ratio, src_h) if src_w / src_h > ratio else (src_w, src_w / ratio)
    box = ((src_w - crop_w) / 2, (src_h - crop_h) / 2, (src_w + crop_w) / 2, (src_h + crop_h) / 2)
    size = (max(round(width * max_zoom), width), max(round(height * max_zoom), height))
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)


def _encoder_args(settings: RenderSettings, target: Path) -> list[str]:
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{settings.width}x{settings.height}",
        "-framerate",
        str(settings.fps),
        "-i",
        "pipe:0",
        "-an",
        # Convert with the BT.709 matrix and say so in the stream: players assume
        # 709 for HD, and an untagged 601 conversion shifts the colours.
        "-vf",
        "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
        "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709",
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


def _render(
    working: Image.Image,
    path: CameraPath,
    settings: RenderSettings,
    output: Path,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Encode the clip to a temp file beside ``output`` and move it into place."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.part")
    with tempfile.TemporaryFile() as stderr:
        # stderr goes to a file, not a pipe: nobody reads it while we write
        # frames, and a full pipe would stall ffmpeg and then us.
        proc = subprocess.Popen(
            _encoder_args(settings, partial),
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            fed = _feed(proc, working, path, settings, on_progress, cancel)
            code = _finish(proc, cancel)
            if code != 0 or not fed:
                stderr.seek(0)
                detail = last_error_line(stderr.read())
                raise GenerationError(f"local: ffmpeg failed: {detail}")
            os.replace(partial, output)
        except BaseException:
            proc.kill()
            proc.wait()
            partial.unlink(missing_ok=True)
            raise


def _feed(
    proc: subprocess.Popen[bytes],
    working: Image.Image,
    path: CameraPath,
    settings: RenderSettings,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> bool:
    """Write every frame to ffmpeg; False when ffmpeg stopped reading (it failed)."""
    total = settings.frame_count
    every = max(1, math.ceil(total / PROGRESS_REPORTS))
    stdin: IO[bytes] = proc.stdin  # type: ignore[assignment]
    frames = _frames(working, path, (settings.width, settings.height), total)
    try:
        for done, frame in enumerate(frames, start=1):
            cancel.raise_if_cancelled()
            try:
                stdin.write(frame)
            except (BrokenPipeError, OSError):
                return False
            if done % every == 0 or done == total:
                on_progress(ClipProgress(done / total, f"Rendering frame {done}/{total}"))
    finally:
        frames.close()
    return True


def _frames(
    working: Image.Image, path: CameraPath, size: tuple[int, int], total: int
) -> Iterator[bytes]:
    """Frames as raw RGB, in order, resized ahead by a small thread pool."""
    last = max(total - 1, 1)

    def render(index: int) -> bytes:
        box = path.pose(index / last).crop_box(working.width, working.height)
        return working.resize(size, Image.Resampling.BILINEAR, box=box).tobytes()

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
