"""The generation queue: jobs, the parallel limit, cancel, retry and resume.

One job is one session; its chains run in order inside the engine's runner, in
a render worker process (``Engine.run_in_worker``). Several jobs run at once up
to ``parallel`` (vorta's shape: one sequential queue per session, sessions in
parallel). Every job ends in the state its session recorded: the worker's
finished message says which.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    RunnerEvent,
    Step,
)
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import Session, SessionStatus
from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.gui.images import load_thumbnail
from scenemaker_desktop.gui.job import ChainPreview, Job
from scenemaker_desktop.gui.worker import EventRelay, TaskRunner, user_message

# Progress can arrive per rendered frame; ten updates a second per job look smooth and
# leave the GUI thread free.
PROGRESS_INTERVAL_S = 0.1
MAX_THREADS = 8
THUMB_SIDE = 160


class _ThrottledSink:
    """A run's event sink: called on the thread reading its worker, forwards to the relay.

    Progress within one step is coalesced to PROGRESS_INTERVAL_S so a fast local
    render cannot flood the GUI thread; a new step, chains and the end always go
    through. A finished chain's thumbnail is decoded here, off the GUI thread.
    """

    def __init__(self, relay: EventRelay, job: Job) -> None:
        self._relay, self._job = relay, job
        self._last_time = 0.0
        self._last_step: Step | None = None

    def __call__(self, event: RunnerEvent) -> None:
        if isinstance(event, ProgressEvent):
            now = time.monotonic()
            same = event.step.same_step(self._last_step)
            if same and now - self._last_time < PROGRESS_INTERVAL_S:
                return
            self._last_time, self._last_step = now, event.step
        if isinstance(event, ChainFinishedEvent):
            image = load_thumbnail(event.thumbnail)
            preview = ChainPreview(event.chain_index, image, event.video, event.prompt)
            self._relay.send((self._job, preview))
            return
        self._relay.send((self._job, event))


class JobQueue(QObject):
    job_added = Signal(object)
    """A new Job (bind to its signals to follow it)."""
    counts_changed = Signal(int, int)
    """(running, waiting) jobs."""

    def __init__(self, engine: Engine, parallel: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine = engine
        self.parallel = max(1, parallel)
        self.jobs: list[Job] = []
        self._ids = itertools.count(1)
        self._tasks = TaskRunner(MAX_THREADS, self)
        self._relay = EventRelay(self._deliver, self)

    # -- what the window asks for ------------------------------------------------------

    def generate(
        self, image: Path, request: GenerationRequest, plan: StoryPlan | None = None
    ) -> Job:
        """Queue a new session following ``plan``: its folder is made on a worker, then it
        waits for a slot."""
        job = Job(next(self._ids), request, image=image, plan=plan, parent=self)
        self._add(job)
        self._prepare(job)
        return job

    def resume(self, session: Session) -> Job:
        """Continue a stored session on its own row: the job already working on it, the
        finished one that last ran it (run again), or a new one."""
        job = self.job_for_session(session.id)
        if job is not None and job.finished:
            job.cost_usd = session.cost_usd
            self.retry(job)
        if job is not None:
            return job
        job = Job(
            next(self._ids),
            session.request,
            session_id=session.id,
            spent_usd=session.cost_usd,
            parent=self,
        )
        self._add(job)
        self._load_thumbnail(job, self.engine.input_thumbnail(session.id))
        self._schedule()
        return job

    def cancel(self, job: Job) -> None:
        if not job.can_cancel:
            return
        job.request_cancel()
        if job.waiting and not job.preparing:
            # Run it at once with the token already fired: the runner records `cancelled`.
            self._start(job)

    def retry(self, job: Job) -> None:
        """Run a failed, cancelled or interrupted job again from its first unfinished chain."""
        if not job.can_retry:
            return
        job.queue_again()
        self._counts()
        if job.preparing:
            self._prepare(job)
        else:
            self._schedule()

    def set_parallel(self, parallel: int) -> None:
        self.parallel = max(1, parallel)
        self._schedule()

    def active(self) -> list[Job]:
        return [job for job in self.jobs if not job.finished]

    def running_count(self) -> int:
        return sum(1 for job in self.jobs if job.status is SessionStatus.RUNNING)

    def job_for_session(self, session_id: str) -> Job | None:
        return next((j for j in reversed(self.jobs) if j.session_id == session_id), None)

    def shutdown(self, wait_ms: int = 5000) -> bool:
        """Stop every job so its session is saved as interrupted; True when all stopped."""
        for job in self.active():
            job.interrupt()
        return self._tasks.wait(wait_ms)

    # -- the steps ---------------------------------------------------------------------

    def _add(self, job: Job) -> None:
        self.jobs.append(job)
        job.ended.connect(self._schedule)
        self.job_added.emit(job)
        self._counts()

    def _load_thumbnail(self, job: Job, image: Path | None) -> None:
        self._tasks.submit(lambda: load_thumbnail(image, THUMB_SIDE), job.set_thumbnail)

    def _prepare(self, job: Job) -> None:
        image, request, plan, engine = job.image, job.request, job.plan, self.engine
        assert image is not None and request is not None
        self._tasks.submit(
            lambda: engine.create_in_worker(image, request, plan),
            lambda session_id: self._prepared(job, session_id),
            lambda error: job.fail(user_message(error)),
        )

    def _prepared(self, job: Job, session_id: str) -> None:
        job.prepared(session_id)
        self._load_thumbnail(job, self.engine.input_thumbnail(session_id))
        if job.cancel_requested:
            self._start(job)
        else:
            self._schedule()

    def _schedule(self) -> None:
        """Start waiting jobs in the order they were added, up to the parallel limit."""
        for job in self.jobs:
            if self.running_count() >= self.parallel:
                break
            if job.preparing and not job.cancel_requested:
                break  # first come, first served: wait until its folder exists
            if job.waiting and not job.preparing:
                self._start(job)
        self._counts()

    def _start(self, job: Job) -> None:
        session_id = job.session_id
        assert session_id is not None
        job.start()
        self._counts()
        sink, token, engine = _ThrottledSink(self._relay, job), job.cancel_token, self.engine
        self._tasks.submit(
            lambda: engine.run_in_worker(session_id, sink, token),
            job.end,
            lambda error: job.fail(user_message(error)),
        )

    def _deliver(self, payload: tuple[Job, RunnerEvent | ChainPreview]) -> None:
        """An event of a running job, now on the GUI thread."""
        job, event = payload
        if job.status is not SessionStatus.RUNNING:
            return
        if isinstance(event, ProgressEvent):
            job.report(event)
        elif isinstance(event, ChainPreview):
            job.chain_done(event)
        elif isinstance(event, NoticeEvent):
            job.note(event.message)
        # A SessionFinishedEvent needs nothing here: the job ends from run_in_worker's answer.

    def _counts(self) -> None:
        waiting = sum(1 for job in self.jobs if job.waiting)
        self.counts_changed.emit(self.running_count(), waiting)
