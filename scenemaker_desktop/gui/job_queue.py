"""The generation queue: jobs, the parallel limit, cancel tokens, retry and resume.

One job is one session; its chains run in order inside the engine's runner.
Several jobs run at once up to ``parallel`` (vorta's shape: one sequential
queue per session, sessions in parallel). Every job ends in a recorded state:
the runner writes it to session.json, and this model mirrors it for the view.
"""

from __future__ import annotations

import enum
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    RunnerEvent,
)
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.studio import Studio
from scenemaker_desktop.gui.job_process import (
    create_session_process,
    run_session_process,
)
from scenemaker_desktop.gui.worker import EventRelay, TaskRunner, user_message

# Progress can arrive per rendered frame; ten updates a second per job look smooth and
# leave the GUI thread free.
PROGRESS_INTERVAL_S = 0.1
MAX_THREADS = 8


class JobStatus(enum.Enum):
    """A session's status, plus PREPARING: a job exists before its session folder does.
    The values are the session's, so a session status converts by value."""

    PREPARING = "preparing"
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        return self in (
            JobStatus.COMPLETED,
            JobStatus.FAILED,
            JobStatus.CANCELLED,
            JobStatus.INTERRUPTED,
        )

    @property
    def label(self) -> str:
        return self.value.capitalize()


@dataclass(eq=False)
class Job:
    """One session's trip through the queue. Touched on the GUI thread only."""

    id: int
    title: str
    subtitle: str
    image: Path | None = None
    request: GenerationRequest | None = None
    session_id: str | None = None
    status: JobStatus = JobStatus.PREPARING
    progress: float = 0.0
    operation: str = ""
    queue_position: int | None = None
    eta_seconds: float | None = None
    error: str | None = None
    final_video: Path | None = None
    cost_usd: float = 0.0
    cancel: CancelToken = field(default_factory=CancelToken)
    closing: threading.Event = field(default_factory=threading.Event)
    """Set when the app closes: a cancel then means interrupted, not cancelled."""
    cancel_requested: bool = False
    started_at: float | None = None
    chain_index: int | None = None
    """The chain being made now, and how far along it is (0..1)."""
    chain_progress: float = 0.0

    @property
    def can_cancel(self) -> bool:
        return not self.status.finished and not self.cancel_requested

    @property
    def can_retry(self) -> bool:
        return self.status in (JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)

    @property
    def retry_label(self) -> str:
        return "Resume" if self.status is JobStatus.INTERRUPTED else "Retry"


class _ThrottledSink:
    """A run's event sink: called on the thread reading its worker, forwards to the relay.

    Progress is coalesced to PROGRESS_INTERVAL_S so a fast local render cannot
    flood the GUI thread; chain and session events always go through.
    """

    def __init__(self, relay: EventRelay, job_id: int) -> None:
        self._relay, self._job_id = relay, job_id
        self._last_time = 0.0
        self._last_operation = ""

    def __call__(self, event: RunnerEvent) -> None:
        if isinstance(event, ProgressEvent):
            now = time.monotonic()
            new_step = event.operation.split(" frame ")[0] != self._last_operation
            if not new_step and now - self._last_time < PROGRESS_INTERVAL_S:
                return
            self._last_time, self._last_operation = now, event.operation.split(" frame ")[0]
        self._relay.send((self._job_id, event))


class JobQueue(QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_finished = Signal(object)
    chain_finished = Signal(object, object)
    """(Job, ChainFinishedEvent)"""

    def __init__(
        self,
        studio: Studio,
        parallel: int = 2,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.studio = studio
        self.parallel = max(1, parallel)
        self.jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._tasks = TaskRunner(MAX_THREADS, self)
        self._relay = EventRelay(self._on_event, self)

    # -- what the window asks for ------------------------------------------------------

    def generate(self, image: Path, request: GenerationRequest) -> Job:
        """Queue a new session: its folder is made on a worker, then it waits for a slot."""
        job = Job(
            id=next(self._ids),
            title=request.action,
            subtitle=_subtitle(request.spec.display_name, request.chains),
            image=image,
            request=request,
            operation="Preparing the session…",
        )
        self._add(job)
        self._prepare(job)
        return job

    def resume(self, session: Session) -> Job:
        """Continue a stored session (or return the job already working on it)."""
        for job in self.jobs:
            if job.session_id == session.id and not job.status.finished:
                return job
        request = session.request
        job = Job(
            id=next(self._ids),
            title=str(request.get("action", "")) or session.id,
            subtitle=_subtitle(_model_name(session.model), len(session.chains)),
            session_id=session.id,
            status=JobStatus.QUEUED,
            operation="Waiting for a free slot",
        )
        self._add(job)
        self._schedule()
        return job

    def cancel(self, job: Job) -> None:
        if not job.can_cancel:
            return
        job.cancel_requested = True
        job.cancel.cancel()
        job.operation = "Cancelling…"
        self.job_changed.emit(job)
        if job.status is JobStatus.QUEUED:
            # Run it at once with the token already fired: the runner records `cancelled`.
            self._start(job)

    def retry(self, job: Job) -> None:
        """Run a failed, cancelled or interrupted job again from its first unfinished chain."""
        if not job.can_retry:
            return
        job.cancel, job.cancel_requested = CancelToken(), False
        job.error, job.eta_seconds, job.queue_position = None, None, None
        if job.session_id is None:
            job.status, job.operation = JobStatus.PREPARING, "Preparing the session…"
            self.job_changed.emit(job)
            self._prepare(job)
            return
        job.status, job.operation = JobStatus.QUEUED, "Waiting for a free slot"
        self.job_changed.emit(job)
        self._schedule()

    def set_parallel(self, parallel: int) -> None:
        self.parallel = max(1, parallel)
        self._schedule()

    def active(self) -> list[Job]:
        return [job for job in self.jobs if not job.status.finished]

    def running_count(self) -> int:
        return sum(1 for job in self.jobs if job.status is JobStatus.RUNNING)

    def job_for_session(self, session_id: str) -> Job | None:
        return next((j for j in reversed(self.jobs) if j.session_id == session_id), None)

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Stop every job so its session is saved as interrupted; True when all stopped."""
        for job in self.active():
            job.closing.set()
            job.cancel.interrupt()
        return self._tasks.wait(wait_ms)

    # -- the steps ---------------------------------------------------------------------

    def _add(self, job: Job) -> None:
        self.jobs.append(job)
        self.job_added.emit(job)

    def _prepare(self, job: Job) -> None:
        image, request = job.image, job.request
        assert image is not None and request is not None
        root = self.studio.store.root

        def work() -> str:
            return create_session_process(image, request, root)

        self._tasks.submit(
            work, lambda session_id: self._prepared(job, session_id), lambda e: self._failed(job, e)
        )

    def _prepared(self, job: Job, session_id: str) -> None:
        job.session_id = session_id
        job.status, job.operation = JobStatus.QUEUED, "Waiting for a free slot"
        self.job_changed.emit(job)
        if job.cancel_requested:
            self._start(job)
        else:
            self._schedule()

    def _schedule(self) -> None:
        """Start queued jobs in the order they were added, up to the parallel limit."""
        for job in self.jobs:
            if self.running_count() >= self.parallel:
                return
            if job.status is JobStatus.PREPARING and not job.cancel_requested:
                return  # first come, first served: wait until its folder exists
            if job.status is JobStatus.QUEUED:
                self._start(job)

    def _start(self, job: Job) -> None:
        session_id = job.session_id
        assert session_id is not None
        job.status, job.started_at, job.progress = JobStatus.RUNNING, time.monotonic(), 0.0
        job.chain_index, job.chain_progress = None, 0.0
        if not job.cancel_requested:
            job.operation = "Starting…"
        self.job_changed.emit(job)
        work = self._work(session_id, job, _ThrottledSink(self._relay, job.id))
        self._tasks.submit(work, lambda s: self._ended(job, s), lambda e: self._failed(job, e))

    def _work(self, session_id: str, job: Job, sink: _ThrottledSink) -> Callable[[], Session]:
        """The pool task for one run: it drives the run's child process and waits for it."""
        token, closing, store = job.cancel, job.closing, self.studio.store

        def in_child() -> Session:
            run_session_process(session_id, store.root, sink, token, closing)
            return store.load(session_id)

        return in_child

    def _ended(self, job: Job, session: Session) -> None:
        job.status = JobStatus(session.status.value)  # every session status is a job status
        job.error = session.error
        job.cost_usd = session.cost_usd
        job.eta_seconds, job.queue_position = None, None
        if session.final_video and job.status is JobStatus.COMPLETED:
            job.final_video = self.studio.store.path_of(session, session.final_video)
            job.progress = 1.0
        job.operation = _ending_text(job)
        self._finish(job)

    def _failed(self, job: Job, error: BaseException) -> None:
        job.status, job.error = JobStatus.FAILED, user_message(error)
        job.operation = job.error
        self._finish(job)

    def _finish(self, job: Job) -> None:
        self.job_changed.emit(job)
        self.job_finished.emit(job)
        self._schedule()

    def _on_event(self, payload: tuple[int, RunnerEvent]) -> None:
        job_id, event = payload
        job = next((j for j in self.jobs if j.id == job_id), None)
        if job is None or job.status is not JobStatus.RUNNING:
            return
        if isinstance(event, ProgressEvent):
            self._progress(job, event)
        elif isinstance(event, ChainFinishedEvent):
            self.chain_finished.emit(job, event)
        elif isinstance(event, NoticeEvent):
            # e.g. OpenAI failed and the offline analysis took over: the user should know.
            job.operation = f"Note: {event.message}"
            self.job_changed.emit(job)

    def _progress(self, job: Job, event: ProgressEvent) -> None:
        job.progress = event.overall
        job.queue_position = event.queue_position
        if not job.cancel_requested:
            job.operation = event.operation
        job.eta_seconds = _eta(job.started_at, event.overall)
        if event.chain_index is not None:
            if event.chain_index != job.chain_index:
                job.chain_index, job.chain_progress = event.chain_index, 0.0
            if event.chain_progress is not None:
                job.chain_progress = event.chain_progress
        self.job_changed.emit(job)


def _eta(started_at: float | None, progress: float) -> float | None:
    if started_at is None or progress < 0.05 or progress >= 1.0:
        return None
    elapsed = time.monotonic() - started_at
    return elapsed * (1.0 - progress) / progress


def _ending_text(job: Job) -> str:
    if job.status is JobStatus.COMPLETED:
        return "Done" + (f" · ${job.cost_usd:.2f}" if job.cost_usd else "")
    if job.status is JobStatus.INTERRUPTED:
        return "Interrupted — resume to continue"
    if job.status is JobStatus.CANCELLED:
        return "Cancelled"
    return job.error or "Failed"


def _subtitle(model_name: str, chains: int) -> str:
    return f"{model_name} · {chains} chain{'s' if chains != 1 else ''}"


def _model_name(model_id: str) -> str:
    from scenemaker_desktop.engine.catalog import get_model
    from scenemaker_desktop.engine.errors import ValidationError

    try:
        return get_model(model_id).display_name
    except ValidationError:
        return model_id or "unknown model"
