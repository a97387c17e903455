"""A session in the old API's words: its status word, progress 0–100 and paths.

What session.json says is the truth; for a session this server holds, what the
running worker last reported (or the place in the queue) fills in the rest.
"""

from __future__ import annotations

from scenemaker_desktop.api.jobs import LiveState
from scenemaker_desktop.api.schemas import (
    ChainContinuity,
    GenerationStatus,
    PlannedBeat,
    SessionSummary,
)
from scenemaker_desktop.engine.continuity.report import verdict_of
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import Chain, ChainStatus, Session, SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionListing

OLD_WORDS = {
    SessionStatus.QUEUED: "initializing",
    SessionStatus.RUNNING: "running",
    SessionStatus.COMPLETED: "completed",
    SessionStatus.FAILED: "error",
    SessionStatus.CANCELLED: "cancelled",
    SessionStatus.INTERRUPTED: "error",
}
"""The old API had no word for "interrupted": a client must stop polling, so it reads as
an error whose message says how to resume."""
ENDED_TEXT = {
    SessionStatus.QUEUED: "Queued",
    SessionStatus.RUNNING: "Running in another SceneMaker process",
    SessionStatus.COMPLETED: "Completed",
    SessionStatus.FAILED: "Failed",
    SessionStatus.CANCELLED: "Cancelled",
    SessionStatus.INTERRUPTED: "Interrupted",
}


def interrupted_message(session_id: str) -> str:
    return (
        "interrupted before it finished; POST /resume-generation/"
        f"{session_id} continues it (finished chains are kept)"
    )


def _word(session: Session, live: LiveState | None) -> str:
    if live is not None:
        return "initializing" if live.waiting_ahead is not None or live.last is None else "running"
    return OLD_WORDS[session.status]


def _operation(session: Session, live: LiveState | None) -> str:
    if live is not None and live.waiting_ahead is not None:
        return f"Queued ({live.waiting_ahead} ahead)"
    if live is not None:
        return live.last.operation if live.last else "Starting"
    return ENDED_TEXT[session.status]


def _progress(engine: Engine, session: Session, live: LiveState | None) -> float:
    if live is not None and live.last is not None:
        return round(live.last.overall * 100, 1)
    return round(engine.progress(session) * 100, 1)


def _error(session: Session, live: LiveState | None) -> str | None:
    if live is None and session.status is SessionStatus.INTERRUPTED:
        return interrupted_message(session.id)
    return session.error


def generation_status(engine: Engine, session: Session, live: LiveState | None) -> GenerationStatus:
    videos = [
        engine.path_of(session, chain.video)
        for chain in session.chains
        if chain.status is ChainStatus.COMPLETED and chain.video
    ]
    final = engine.path_of(session, session.final_video)
    return GenerationStatus(
        session_id=session.id,
        status=_word(session, live),
        progress=_progress(engine, session, live),
        current_operation=_operation(session, live),
        completed_chains=session.completed_chains,
        total_chains=len(session.chains),
        video_paths=[str(path) for path in videos if path is not None],
        final_video_path=str(final) if final is not None else None,
        error_message=_error(session, live),
        session_status=session.status.value,
        cost_usd=session.cost_usd,
        notices=list(session.notices),
        model=session.model,
        continuity=[_continuity(chain) for chain in session.chains],
        scene_vision=session.plan.scene_vision if session.plan else "",
        beats=_beats(session),
        draft_of=session.draft_of,
    )


def _beats(session: Session) -> list[PlannedBeat]:
    """The plan's beats beside what each chain was sent (a plan has a beat per chain)."""
    beats = session.plan.beats if session.plan is not None else ()
    return [
        PlannedBeat(index=beat.index, text=beat.text, locked=beat.locked, prompt=chain.prompt)
        for beat, chain in zip(beats, session.chains, strict=False)
    ]


def _continuity(chain: Chain) -> ChainContinuity:
    measured = chain.continuity
    return ChainContinuity(
        index=chain.index,
        drift=measured.drift,
        drift_raw=measured.drift_raw,
        seam_jump=measured.seam_jump,
        consistency=measured.consistency,
        consistency_source=measured.consistency_source,
        flags=list(verdict_of(measured).reasons),
    )


def session_summary(
    engine: Engine, listing: SessionListing, live: LiveState | None
) -> SessionSummary:
    session = listing.session
    if session is None:  # a damaged folder is listed, never hidden
        return SessionSummary(
            session_id=listing.id,
            status="error",
            created_at="",
            progress=0.0,
            completed_chains=0,
            total_chains=0,
            error_message=listing.damaged_reason,
        )
    return SessionSummary(
        session_id=session.id,
        status=_word(session, live),
        created_at=session.created_at,
        progress=_progress(engine, session, live),
        completed_chains=session.completed_chains,
        total_chains=len(session.chains),
        error_message=_error(session, live),
    )
