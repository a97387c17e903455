"""Local Preview: the offline generator that animates the still with a camera move.

The move comes from the action text (or the ``camera_move`` parameter); chain
k+1 starts from the camera pose of chain k's seed frame and carries the move
on. ``local_render`` does the pixels; this module decides what to render.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps

from scenemaker_desktop.engine.backends.base import ClipJob, ClipResult, ProgressCallback
from scenemaker_desktop.engine.backends.camera import (
    IDENTITY,
    CameraMove,
    CameraPath,
    CameraPose,
    choose_move,
    initial_pose,
    plan_path,
)
from scenemaker_desktop.engine.backends.local_render import Planes, render_clip
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import GenerationError
from scenemaker_desktop.engine.images import DECODE_ERRORS, flatten_to_rgb

SHORT_SIDES = {"360p": 360, "480p": 480, "720p": 720, "1080p": 1080}
ASPECT_RATIOS = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0, "4:3": 4 / 3, "3:4": 3 / 4}


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
    """The render settings for validated ``params`` (defaults as in the catalog)."""
    aspect = str(params.get("aspect_ratio", "auto"))
    if aspect == "auto":
        aspect = nearest_aspect(*source_size)
    move_name = str(params.get("camera_move", "auto"))
    try:
        width, height = output_size(str(params.get("resolution", "720p")), aspect)
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
    except (KeyError, ValueError, TypeError) as exc:
        # Validation should have caught this; say which value, not where it broke.
        raise GenerationError(f"local: unsupported parameter value {exc}") from exc


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
        size = (settings.width, settings.height)
        planes = Planes.prepare(image, size, path.max_zoom)
        del image  # a 50 MP source is 150 MB; the planes are all we need from here
        render_clip(
            planes,
            path,
            size=size,
            fps=settings.fps,
            frame_count=settings.frame_count,
            output=Path(job.output),
            on_progress=on_progress,
            cancel=cancel,
        )
        state = _state(path, settings, "source" if from_source else "seed")
        return ClipResult(video=Path(job.output), state=state, cost_usd=0.0)


def _state(path: CameraPath, settings: RenderSettings, rendered_from: str) -> dict[str, Any]:
    """What the next chain (and ``pose_at_frame``) needs to know about this clip."""
    return {
        **path.to_dict(),
        "generator": LocalPreviewGenerator.model_id,
        "motion_strength": settings.strength,
        "frame_count": settings.frame_count,
        "fps": settings.fps,
        "width": settings.width,
        "height": settings.height,
        "aspect_ratio": settings.aspect_ratio,
        "rendered_from": rendered_from,
    }


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
            upright = ImageOps.exif_transpose(opened) or opened
            # Same flattening as image intake (16-bit scaled, alpha on white), so a
            # source that skipped intake still looks like it would after it.
            return flatten_to_rgb(upright)
    except (*DECODE_ERRORS, Image.DecompressionBombError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GenerationError(f"local: cannot read the image {Path(path).name}: {reason}") from exc
