"""A scriptable generator for runner tests: real tiny mp4s, recorded calls,
and failures or stalls on cue. It stands in for the network, not for our code."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from scenemaker_desktop.engine.backends.base import (
    ClipJob,
    ClipProgress,
    ClipResult,
    ProgressCallback,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

FRAMES = 12


def render_clip(image: Path, dest: Path, frames: int = FRAMES) -> None:
    """A short zoom over ``image``: 160x90, 12 fps, H.264."""
    tmp = dest.with_name(dest.stem + ".part.mp4")
    run_ffmpeg(
        [
            "-y",
            "-loop",
            "1",
            "-i",
            str(image),
            "-vf",
            "scale=320:180,zoompan=z='1+0.01*on':d=1:s=160x90:fps=12",
            "-frames:v",
            str(frames),
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(tmp),
        ]
    )
    tmp.replace(dest)


@dataclass
class ScriptedGenerator:
    model_id: str = "scripted"
    remote: bool = True
    fail_on_chain: dict[int, GenerationError] = field(default_factory=dict)
    stall_on_chain: int | None = None
    submits: list[int] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)
    cancels: list[str] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    finished_ids: set[str] = field(default_factory=set)
    """Requests the "service" has finished: it refuses to cancel them."""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def submit(self, job: ClipJob, cancel: CancelToken, on_sending=lambda: None) -> str:
        cancel.raise_if_cancelled()
        on_sending()
        self.submits.append(job.chain_index)
        return f"req-{next(self._ids)}-chain{job.chain_index}"

    def wait(
        self, request_id: str, job: ClipJob, on_progress: ProgressCallback, cancel: CancelToken
    ) -> ClipResult:
        self.waits.append(request_id)
        on_progress(ClipProgress(None, "In queue", queue_position=1))
        if job.chain_index == self.stall_on_chain:
            self.stalled.set()
            while not cancel.wait(0.02):
                pass
        cancel.raise_if_cancelled()
        error = self.fail_on_chain.pop(job.chain_index, None)
        if error is not None:
            raise error
        on_progress(ClipProgress(0.5, "Generating"))
        render_clip(job.seed_image, job.output)
        return ClipResult(job.output, {"request": request_id}, 0.0)

    def cancel(self, request_id: str) -> bool:
        self.cancels.append(request_id)
        return request_id not in self.finished_ids

    def close(self) -> None:
        """Holds nothing."""
