"""Queue jobs of the fake fal: IN_QUEUE → IN_PROGRESS → COMPLETED, cancel, failure.

A job moves one step per status poll (so tests are deterministic without
timing), optionally not before ``JobPlan.min_seconds`` have passed, and can be
held IN_PROGRESS until released or cancelled. Rendering the clip is injected
(``JobBook(render=...)``) so this module stays free of HTTP and ffmpeg.
"""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class JobState(enum.Enum):
    QUEUED = "IN_QUEUE"
    RUNNING = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class JobError:
    """How a job fails: the result endpoint answers ``status`` with ``detail``.

    A string ``detail`` with ``error_type`` mirrors fal's request errors
    (``{"detail": "...", "error_type": "..."}`` plus ``X-Fal-Error-Type``); a
    list mirrors model errors (``{"detail": [{"loc", "msg", "type"}]}``).
    """

    status: int = 500
    detail: Any = "Internal error while running the model"
    error_type: str | None = "runner_server_error"


CANCELLED_ERROR = JobError(499, "Request was cancelled by the client", "client_cancelled")


@dataclass(frozen=True)
class JobPlan:
    """How the next submitted jobs behave."""

    queued_polls: int = 1
    """Status polls answered IN_QUEUE (queue_position counts down to 0)."""
    progress_polls: int = 1
    """Status polls answered IN_PROGRESS before COMPLETED."""
    min_seconds: float = 0.0
    """The job never completes sooner than this after submit."""
    hold: bool = False
    """Stay IN_PROGRESS until ``FakeFal.release()`` or a cancel."""
    error: JobError | None = None
    """Finish with this error instead of a video."""
    clip_seconds: float = 1.0
    clip_fps: int = 12
    seed: int = 123
    drift: float = 0.0
    """Each clip grades toward warmer colour and more contrast so that its last frame's
    mean colour is about this many ΔE76 from its first (crop of the zoom included: see
    ``fal_render.grade_strength``); chained clips compound it. 0 leaves colours alone."""


@dataclass
class Job:
    """One queue request as the fake sees it; read or change it only under ``lock``."""

    request_id: str
    app_id: str
    arguments: Any
    plan: JobPlan
    submitted_at: float
    state: JobState = JobState.QUEUED
    polls: int = 0
    held: bool = False
    error: JobError | None = None
    result: dict[str, Any] | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    finished_at: float | None = None

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self.held = self.plan.hold
        if self.plan.queued_polls <= 0:
            self.state = JobState.RUNNING

    @property
    def terminal(self) -> bool:
        return self.state in (JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED)


Renderer = Callable[[Job], "dict[str, Any] | JobError"]


class JobBook:
    """All jobs of one fake, keyed by request id; thread-safe."""

    def __init__(self, render: Renderer) -> None:
        self._render = render
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, app_id: str, arguments: Any, plan: JobPlan, error: JobError | None) -> Job:
        job = Job(str(uuid.uuid4()), app_id, arguments, plan, time.monotonic())
        job.error = error  # e.g. validation deferred to the "runner"
        with self._lock:
            self._jobs[job.request_id] = job
        return job

    def get(self, request_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(request_id)

    def all(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def forget(self, request_id: str) -> None:
        with self._lock:
            self._jobs.pop(request_id, None)

    def poll(self, job: Job) -> None:
        """One status poll: move ``job`` a step along its plan.

        Poll n (from 1) answers IN_QUEUE for n <= queued_polls, IN_PROGRESS for
        the next progress_polls polls, and COMPLETED after that.
        """
        with job.lock:
            job.polls += 1
            queued = max(job.plan.queued_polls, 0)
            if job.state is JobState.QUEUED and job.polls > queued:
                job.state = JobState.RUNNING
                job.logs.append(_log("Request picked up by a runner"))
            if job.state is JobState.RUNNING:
                self._progress(job, job.polls - queued)

    def _progress(self, job: Job, running_polls: int) -> None:
        early = time.monotonic() - job.submitted_at < job.plan.min_seconds
        if running_polls > job.plan.progress_polls and not job.held and not early:
            self._finish(job)
            return
        percent = min(99, round(100 * running_polls / max(job.plan.progress_polls, 1)))
        job.logs.append(_log(f"Generating video: {percent}%"))

    def _finish(self, job: Job) -> None:
        outcome = job.error or job.plan.error or self._render(job)
        if isinstance(outcome, JobError):
            job.error, job.state = outcome, JobState.FAILED
            job.logs.append(_log(f"Request failed: {_short(outcome.detail)}", "ERROR"))
        else:
            job.result, job.state = outcome, JobState.COMPLETED
            job.logs.append(_log("Video ready"))
        job.finished_at = time.monotonic()

    def release(self, job: Job) -> None:
        with job.lock:
            job.held = False

    def cancel(self, job: Job) -> bool:
        """Cancel ``job``; False when it had already finished."""
        with job.lock:
            if job.terminal:
                return False
            job.state, job.error = JobState.CANCELLED, CANCELLED_ERROR
            job.logs.append(_log("Request cancelled", "WARNING"))
            job.finished_at = time.monotonic()
            return True


def status_body(job: Job, with_logs: bool, urls: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """fal's status answer: 202 while queued or running, 200 once done."""
    with job.lock:
        body: dict[str, Any] = {"status": "COMPLETED" if job.terminal else job.state.value}
        body.update(request_id=job.request_id, **urls)
        if job.state is JobState.QUEUED:
            body["queue_position"] = max(job.plan.queued_polls - job.polls, 0)
            body["logs"] = None
            return 202, body
        body["logs"] = list(job.logs) if with_logs else None
        if not job.terminal:
            return 202, body
        body["metrics"] = {"inference_time": round((job.finished_at or 0) - job.submitted_at, 3)}
        if job.error is not None:
            body["error"] = _short(job.error.detail)
            body["error_type"] = job.error.error_type
        return 200, body


def _short(detail: Any) -> str:
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        return str(detail[0].get("msg", detail))
    return str(detail)


def _log(message: str, level: str = "INFO") -> dict[str, Any]:
    stamp = datetime.now(timezone.utc).isoformat()
    return {"message": message, "level": level, "source": "user", "timestamp": stamp}
