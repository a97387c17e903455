"""What a running session reports. Values only, safe to hand across threads and processes."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.sessions.model import SessionStatus


class Phase(enum.Enum):
    """What a session is doing now; with the chain index it names one step of the run."""

    ANALYZING = "analyzing"
    PLANNING = "planning"
    PROMPTING = "prompting"
    QUEUED = "queued"
    """Waiting in the cloud service's queue."""
    GENERATING = "generating"
    SEED_FRAME = "seed_frame"
    CHAIN_DONE = "chain_done"
    ASSEMBLING = "assembling"
    DONE = "done"


@dataclass(frozen=True)
class Step:
    """Where a run is, in a form code can compare (the display text is for people)."""

    phase: Phase
    chain_index: int | None = None
    fraction: float | None = None
    """How far the chain (or the assembly) is, 0..1, when known."""

    def same_step(self, other: Step | None) -> bool:
        """Two reports of one step differ only in how far it is."""
        return other is not None and (self.phase, self.chain_index) == (
            other.phase,
            other.chain_index,
        )


@dataclass(frozen=True)
class ProgressEvent:
    session_id: str
    overall: float
    """0..1 for the whole session."""
    operation: str
    """What is happening, in words for the user ("Chain 2/3: rendering frame 40/120")."""
    step: Step
    queue_position: int | None = None
    cost_usd: float = 0.0
    """What the session has been charged so far (a confirm dialog states it)."""


@dataclass(frozen=True)
class ChainFinishedEvent:
    session_id: str
    chain_index: int
    video: Path
    thumbnail: Path | None
    seed_frame: Path | None
    prompt: str


@dataclass(frozen=True)
class SessionFinishedEvent:
    """The run ended; everything a front needs to show the outcome without re-reading disk."""

    session_id: str
    status: SessionStatus
    final_video: Path | None
    error: str | None
    cost_usd: float


@dataclass(frozen=True)
class NoticeEvent:
    """Something the user should know that does not stop the run (e.g. a fallback)."""

    session_id: str
    message: str


RunnerEvent = ProgressEvent | ChainFinishedEvent | SessionFinishedEvent | NoticeEvent
EventSink = Callable[[RunnerEvent], None]


def ignore_events(event: RunnerEvent) -> None:
    """The default sink for callers that only want the final Session."""
