"""What a running session reports. Values only, safe to hand across threads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.sessions.model import SessionStatus


@dataclass(frozen=True)
class ProgressEvent:
    session_id: str
    overall: float
    """0..1 for the whole session."""
    operation: str
    chain_index: int | None = None
    chain_progress: float | None = None
    queue_position: int | None = None


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
