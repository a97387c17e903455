"""One job of the queue as an observable object: widgets bind to its signals.

A job is one session's trip through the queue. Its state is the session's own
status (``SessionStatus``) plus ``preparing``, true while the session folder is
still being made. It lives on the GUI thread; the queue feeds it engine events
and it tells whoever listens (``changed``, ``chain_ready``, ``ended``), as
krita-ai-diffusion's model objects do for its widgets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest, estimate_cost
from scenemaker_desktop.engine.events import Phase, ProgressEvent, SessionFinishedEvent
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.gui.session_text import summary_line

ETA_FROM = 0.05
"""Below this share of the work done, an ETA would be a guess."""


@dataclass(frozen=True)
class ChainPreview:
    """A finished chain, with its thumbnail already decoded (off the GUI thread)."""

    index: int
    image: QImage
    video: Path
    prompt: str


class Job(QObject):
    """One session's trip through the queue. Touched on the GUI thread only."""

    changed = Signal()
    chain_ready = Signal(object)
    """ChainPreview"""
    ended = Signal()

    def __init__(
        self,
        job_id: int,
        request: GenerationRequest,
        *,
        image: Path | None = None,
        plan: StoryPlan | None = None,
        session_id: str | None = None,
        spent_usd: float = 0.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.id, self.request = job_id, request
        self.title = request.action or session_id or "Untitled"
        self.image, self.session_id = image, session_id
        self.plan = plan
        """The storyboard the new session follows (None: the run plans for itself)."""
        self.chains = request.chains
        self.created = time.time()
        self.thumbnail = QImage()
        """The input image, small (decoded on a worker, then set_thumbnail)."""
        self.status = SessionStatus.QUEUED
        self.preparing = session_id is None
        self.progress = 0.0
        self.operation = "Preparing the session…" if self.preparing else "Waiting for a free slot"
        self.queue_position: int | None = None
        self.eta_seconds: float | None = None
        self.error: str | None = None
        self.final_video: Path | None = None
        self.cost_usd = spent_usd
        """What the session has been charged so far."""
        self.notices: list[str] = []
        self.cancel_token = CancelToken()
        self.cancel_requested = False
        self.started_at: float | None = None
        self.chain_index: int | None = None
        """The chain being made now, and how far along it is (0..1)."""
        self.chain_progress = 0.0
        self.chain_queued = False
        """The chain being made waits in the cloud service's queue."""

    # -- what it can do ----------------------------------------------------------------

    @property
    def subtitle(self) -> str:
        return f"{self.request.spec.display_name} · {self.chains} chain{'s' * (self.chains != 1)}"

    @property
    def summary(self) -> str:
        """The header's line: model · chains · length · cost · status."""
        spent = self.cost_usd if self.started_at is not None or self.cost_usd else None
        return summary_line(self.request, self.status_label.lower(), spent)

    @property
    def paid(self) -> bool:
        """Runs on a model that charges per clip (Local Preview does not)."""
        return estimate_cost(self.request).paid

    @property
    def finished(self) -> bool:
        return self.status.finished

    @property
    def waiting(self) -> bool:
        """Queued for a slot, or still being prepared."""
        return self.status is SessionStatus.QUEUED

    @property
    def can_cancel(self) -> bool:
        return not self.finished and not self.cancel_requested

    @property
    def can_retry(self) -> bool:
        return self.status in (
            SessionStatus.FAILED,
            SessionStatus.CANCELLED,
            SessionStatus.INTERRUPTED,
        )

    @property
    def retry_label(self) -> str:
        return "Resume" if self.status is SessionStatus.INTERRUPTED else "Retry"

    @property
    def status_label(self) -> str:
        return "Preparing" if self.preparing else self.status.value.capitalize()

    @property
    def state_name(self) -> str:
        """The style sheet's name for the status chip's colour."""
        return "preparing" if self.preparing else self.status.value

    # -- what the queue tells it -------------------------------------------------------

    def set_thumbnail(self, image: QImage) -> None:
        self.thumbnail = image
        self.changed.emit()

    def prepared(self, session_id: str) -> None:
        self.session_id, self.preparing = session_id, False
        self._wait_for_slot()

    def queue_again(self) -> None:
        """Start over from the first unfinished chain (retry, resume)."""
        self.cancel_token, self.cancel_requested = CancelToken(), False
        self.error, self.eta_seconds, self.queue_position = None, None, None
        self.status, self.preparing = SessionStatus.QUEUED, self.session_id is None
        if self.preparing:
            self.operation = "Preparing the session…"
            self.changed.emit()
        else:
            self._wait_for_slot()

    def _wait_for_slot(self) -> None:
        self.operation = "Waiting for a free slot"
        self.changed.emit()

    def start(self) -> None:
        self.status, self.started_at, self.progress = SessionStatus.RUNNING, time.monotonic(), 0.0
        self.chain_index, self.chain_progress = None, 0.0
        if not self.cancel_requested:
            self.operation = "Starting…"
        self.changed.emit()

    def request_cancel(self) -> None:
        self.cancel_requested = True
        self.cancel_token.cancel()
        self.operation = "Cancelling…"
        self.changed.emit()

    def interrupt(self) -> None:
        """The app is closing: stop, keeping paid cloud requests for resume."""
        self.cancel_token.interrupt()

    def report(self, event: ProgressEvent) -> None:
        self.progress = event.overall
        self.queue_position = event.queue_position
        self.cost_usd = max(self.cost_usd, event.cost_usd)
        if not self.cancel_requested:
            self.operation = event.operation
        self.eta_seconds = _eta(self.started_at, event.overall)
        step = event.step
        if step.chain_index is not None:
            if step.chain_index != self.chain_index:
                self.chain_index, self.chain_progress = step.chain_index, 0.0
            if step.fraction is not None:
                self.chain_progress = step.fraction
            self.chain_queued = step.phase is Phase.QUEUED
        self.changed.emit()

    def note(self, message: str) -> None:
        """Something the user should know that does not stop the run (e.g. a fallback)."""
        self.notices.append(message)
        self.operation = f"Note: {message}"
        self.changed.emit()

    def chain_done(self, preview: ChainPreview) -> None:
        self.chain_ready.emit(preview)

    def end(self, finished: SessionFinishedEvent) -> None:
        self.status, self.error, self.cost_usd = finished.status, finished.error, finished.cost_usd
        if finished.status is SessionStatus.COMPLETED and finished.final_video is not None:
            self.final_video, self.progress = finished.final_video, 1.0
        self._ended(_ending_text(self))

    def fail(self, message: str) -> None:
        self.status, self.error = SessionStatus.FAILED, message
        self._ended(message)

    def _ended(self, operation: str) -> None:
        self.preparing = False
        self.eta_seconds, self.queue_position = None, None
        self.operation = operation
        self.changed.emit()
        self.ended.emit()


def _eta(started_at: float | None, progress: float) -> float | None:
    if started_at is None or progress < ETA_FROM or progress >= 1.0:
        return None
    elapsed = time.monotonic() - started_at
    return elapsed * (1.0 - progress) / progress


def _ending_text(job: Job) -> str:
    if job.status is SessionStatus.COMPLETED:
        return "Done" + (f" · ${job.cost_usd:.2f}" if job.cost_usd else "")
    if job.status is SessionStatus.INTERRUPTED:
        return "Interrupted — resume to continue"
    if job.status is SessionStatus.CANCELLED:
        return "Cancelled"
    return job.error or "Failed"
