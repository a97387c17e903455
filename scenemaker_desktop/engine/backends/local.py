"""Local Preview: the offline generator that animates the still with a camera move.

The move comes from the artist's action text (or the ``camera_move``
parameter). Chain k+1 starts from the camera state at chain k's seed frame and
carries the same motion on (``camera_path``), so final.mp4 moves as one shot.
``local_render`` does the pixels; this module decides what to render.
"""

from __future__ import annotations

import contextlib
import functools
import math
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image, ImageOps

from scenemaker_desktop.engine.backends.base import ClipJob, ClipResult, ProgressCallback
from scenemaker_desktop.engine.backends.camera import (
    AIMED_MOVES,
    IDENTITY,
    MAX_ZOOM,
    CameraMove,
    CameraPose,
    choose_move,
)
from scenemaker_desktop.engine.backends.camera_aim import FocusPoint
from scenemaker_desktop.engine.backends.camera_path import CameraPath, plan_first, plan_next
from scenemaker_desktop.engine.backends.local_render import render_clip
from scenemaker_desktop.engine.backends.plane_atlas import aspect_box
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import LocalPreviewValues
from scenemaker_desktop.engine.errors import GenerationError
from scenemaker_desktop.engine.images import DECODE_ERRORS, flatten_to_rgb
from scenemaker_desktop.engine.vision.detail import find_detail

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
    params: Mapping[str, Any], action_text: str, source_size: tuple[int, int]
) -> RenderSettings:
    """The render settings for validated ``params`` (the catalog fills any left out).

    ``camera_move=auto`` reads ``action_text``: pass the artist's own action,
    not the chain's prompt, whose added description ("light falls from the
    left") would steer the camera as much as what the artist asked for.
    """
    values = LocalPreviewValues.of(params)
    aspect = values.aspect_ratio
    if aspect == "auto":
        aspect = nearest_aspect(*source_size)
    move = values.camera_move
    try:
        width, height = output_size(values.resolution, aspect)
        return RenderSettings(
            width=width,
            height=height,
            aspect_ratio=aspect,
            fps=int(values.fps),
            duration=int(values.duration),
            strength=float(values.motion_strength),
            move=choose_move(action_text) if move == "auto" else CameraMove(move),
        )
    except (KeyError, ValueError, TypeError) as exc:
        # Validation should have caught this; say which value, not where it broke.
        raise GenerationError(f"local: unsupported parameter value {exc}") from exc


def pose_at_frame(state: Mapping[str, Any], index: int) -> CameraPose:
    """The camera pose of frame ``index`` of a clip whose ``ClipResult.state`` is given."""
    return CameraPath.from_dict(state).pose_at_frame(index)


class LocalPreviewGenerator:
    """Renders camera-move clips offline; the default when no fal key is set."""

    model_id = "local"
    remote = False

    def submit(
        self, job: ClipJob, cancel: CancelToken, on_sending: Callable[[], None] = lambda: None
    ) -> str:
        """Nothing is sent anywhere: the id only names the render ``wait`` will do."""
        cancel.raise_if_cancelled()
        return f"local-{uuid.uuid4().hex}"

    def cancel(self, request_id: str) -> bool:
        """Nothing runs remotely; the cancel token given to ``wait`` stops rendering."""
        return True

    def close(self) -> None:
        """Nothing is held between clips."""

    def wait(
        self,
        request_id: str,
        job: ClipJob,
        on_progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ClipResult:
        cancel.raise_if_cancelled()
        previous, seed_index = _continuation(job)
        # Quality preservation renders every chain from the full-resolution source
        # with the continued pose: re-rendering from a seed frame that was already
        # resampled and H.264-compressed would soften the picture a little more each
        # chain. Off, we follow the seed frame like a cloud model must (it only sees
        # the seed), so the preview shows what plain chaining does to a picture.
        from_source = job.continuation is None or (job.preserve_quality and previous is not None)
        image_path = Path(job.source_image if from_source else job.seed_image)
        with _opened(image_path) as image:
            size = _upright_size(image, image_path)
            settings = read_settings(job.params, job.action.strip() or job.prompt, size)
            if previous is None and settings.move in AIMED_MOVES:
                path, load = _aimed(job, settings, image, image_path, from_source)
            else:
                path = _plan(job, settings, previous, seed_index, from_source)
                load = _loader(image, image_path, settings, path)
            render_clip(
                load,
                path.poses,
                size=(settings.width, settings.height),
                fps=settings.fps,
                output=Path(job.output),
                on_progress=on_progress,
                cancel=cancel,
            )
        state = _state(path, settings, "source" if from_source else "seed")
        return ClipResult(video=Path(job.output), state=state, cost_usd=0.0)


def _aimed(
    job: ClipJob,
    settings: RenderSettings,
    image: Image.Image,
    image_path: Path,
    from_source: bool,
) -> tuple[CameraPath, Callable[[], Image.Image]]:
    """A fresh path aimed at the subject of the picture this clip shows, and its still.

    Later chains inherit the subject with the rest of the motion. Finding it
    means decoding now rather than while ffmpeg starts. Only a JPEG decodes
    smaller for a path that zooms less, so only a JPEG needs a path first.
    """
    draft = _plan(job, settings, None, 0, from_source) if image.format == "JPEG" else None
    still = _loader(image, image_path, settings, draft)()
    focus = subject_focus(still, settings.width / settings.height)
    path = _plan(job, settings, None, 0, from_source, focus)
    return path, lambda: still


def _loader(
    image: Image.Image, image_path: Path, settings: RenderSettings, path: CameraPath | None
) -> Callable[[], Image.Image]:
    """Decodes the opened (not yet decoded) ``image`` as big as ``path`` needs it
    (whole, without a path)."""
    zoom = MAX_ZOOM if path is None else max(pose.zoom for pose in path.poses)
    need = (math.ceil(settings.width * zoom), math.ceil(settings.height * zoom))
    ratio = settings.width / settings.height
    return functools.partial(_decoded, image, image_path, need, ratio)


def subject_focus(still: Image.Image, ratio: float) -> FocusPoint | None:
    """Where the detail of ``still`` sits, in the coordinates of its ``ratio`` base frame.

    Found here, on the picture the clip is rendered from, rather than passed
    from the analysis: a vision model gives no coordinates, and a chain
    rendered from a seed frame must aim within that frame.
    """
    detail = find_detail(still)
    if detail is None:
        return None
    x0, y0, x1, y1 = aspect_box(still.size, ratio)
    x = (detail.x * still.width - x0) / (x1 - x0)
    y = (detail.y * still.height - y0) / (y1 - y0)
    return FocusPoint(min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))


def _plan(
    job: ClipJob,
    settings: RenderSettings,
    previous: CameraPath | None,
    seed_index: int,
    from_source: bool,
    focus: FocusPoint | None = None,
) -> CameraPath:
    """This chain's camera path: the session's move, carried on from the seed frame."""
    last = job.chain_index >= job.num_chains - 1
    if previous is not None:
        return plan_next(
            previous,
            seed_index,
            last=last,
            frame_count=settings.frame_count,
            # From the seed frame the view starts at the whole seed; the motion carries on.
            from_seed_frame=not from_source,
        )
    return plan_first(
        settings.move,
        settings.strength,
        duration_s=settings.duration,
        frame_count=settings.frame_count,
        chains=max(job.num_chains - job.chain_index, 1),
        start=None if job.continuation is None else IDENTITY,
        focus=focus,
    )


def _state(path: CameraPath, settings: RenderSettings, rendered_from: str) -> dict[str, Any]:
    """What the next chain (and ``pose_at_frame``) needs to know about this clip."""
    return {
        **path.to_dict(),
        "generator": LocalPreviewGenerator.model_id,
        "fps": settings.fps,
        "width": settings.width,
        "height": settings.height,
        "aspect_ratio": settings.aspect_ratio,
        "rendered_from": rendered_from,
    }


def _continuation(job: ClipJob) -> tuple[CameraPath | None, int]:
    """The previous chain's path and its seed frame's index ((None, 0) for chain 0).

    A state that is not a local clip's (or is damaged) gives no path: the seed
    frame is then the only truth about where the last clip ended, and the
    camera starts afresh from it.
    """
    if not job.continuation:
        return None, 0
    state = job.continuation.get("previous_state") or {}
    try:
        path = CameraPath.from_dict(state)
        index = job.continuation.get("seed_frame_index")
        return path, path.frame_count - 1 if index is None else int(index)
    except (KeyError, TypeError, ValueError):
        return None, 0


@contextlib.contextmanager
def _read_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (*DECODE_ERRORS, Image.DecompressionBombError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GenerationError(f"local: cannot read the image {path.name}: {reason}") from exc


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Image.Image]:
    """The image at ``path``, opened but not decoded yet (its header gives the size)."""
    with _read_errors(path):
        image = Image.open(path)
    try:
        yield image
    finally:
        image.close()


def _upright_size(image: Image.Image, path: Path) -> tuple[int, int]:
    """The size after EXIF rotation, read from the header alone."""
    width, height = image.size
    with _read_errors(path):
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _decoded(image: Image.Image, path: Path, need: tuple[int, int], ratio: float) -> Image.Image:
    """``image`` decoded, upright, flattened to RGB like image intake does.

    ``need`` is the smallest size the centred ``ratio`` crop may have: a JPEG is
    decoded at the smallest 1/2, 1/4 or 1/8 scale that still covers it, which
    makes a large photo several times quicker to decode (other formats ignore it).
    """
    width, height = _upright_size(image, path)
    with _read_errors(path):
        scale = max(need[0] / min(width, height * ratio), need[1] / min(height, width / ratio))
        if scale < 1.0:
            raw_w, raw_h = image.size
            image.draft(None, (math.ceil(raw_w * scale), math.ceil(raw_h * scale)))
        image.load()
        turned = image.getexif().get(ExifTags.Base.Orientation, 1) != 1
        upright = (ImageOps.exif_transpose(image) or image) if turned else image
        if upright.mode == "RGB" and "transparency" not in upright.info:
            return upright  # already what intake makes of a picture: spare a 6 MB copy
        # Same flattening as image intake (16-bit scaled, alpha on white), so a
        # source that skipped intake still looks like it would after it.
        return flatten_to_rgb(upright)
