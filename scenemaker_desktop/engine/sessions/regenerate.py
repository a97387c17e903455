"""Make a session's chains from one chain on again (a flagged chain, or a story gone astray).

The chains before it stay as they are, so their seed frame starts the new take.
The clips that are replaced are moved to ``replaced/`` in the session's folder,
never deleted: they were paid for. The session then reads ``interrupted`` and a
resume makes the rest, exactly as after a crash.
"""

from __future__ import annotations

import datetime as dt
import shutil

from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.sessions.model import Chain, Session, SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore

REPLACED_DIR = "replaced"


def regenerate_from(store: SessionStore, session_id: str, chain_index: int) -> Session:
    """Reset chains ``chain_index``… of a session that is not running; return it, saved."""
    with store.lock(session_id):
        session = store.load(session_id)
        if session.status is SessionStatus.RUNNING:
            raise ValidationError("the session is running; cancel it first")
        if not 0 <= chain_index < len(session.chains):
            raise ValidationError(
                f"there is no chain {chain_index + 1} (the session has {len(session.chains)})"
            )
        moved = _set_aside(store, session, session.chains[chain_index:])
        for chain in session.chains[chain_index:]:
            _reset(chain)
        if chain_index > 0:
            session.chains[chain_index - 1].continuity.seam_jump = None
        if session.final_video:
            moved |= _move(store, session, [session.final_video])
        session.final_video = None
        session.status, session.error = SessionStatus.INTERRUPTED, None
        last = len(session.chains)
        span = f"chain {last}" if chain_index == last - 1 else f"chains {chain_index + 1}–{last}"
        where = f"; the earlier files are in {REPLACED_DIR}/" if moved else ""
        session.notices.append(f"{span} will be made again{where}")
        store.save(session)
        return session


def _set_aside(store: SessionStore, session: Session, chains: list[Chain]) -> bool:
    return _move(store, session, [path for chain in chains for path in chain.paths()])


def _move(store: SessionStore, session: Session, paths: list[str]) -> bool:
    folder = store.folder(session.id)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = folder / REPLACED_DIR / stamp
    moved = False
    for relative in paths:
        source = folder / relative
        if source.is_file():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(source, destination)
            moved = True
    return moved


def _reset(chain: Chain) -> None:
    if chain.fal_request_id:
        chain.abandoned_request_ids.append(chain.fal_request_id)
    fresh = Chain(chain.index)
    kept = {"index", "cost_usd", "abandoned_request_ids"}
    for name, value in vars(fresh).items():
        if name not in kept:
            setattr(chain, name, value)
