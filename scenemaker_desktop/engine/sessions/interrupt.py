"""Recording that a run stopped because the app closed, not because the user cancelled.

The runner records any cancel as ``cancelled``. When the desktop app closes
(window closed, SIGTERM, SIGINT) it cancels its runs too, but DESIGN §2 wants
those sessions to read as ``interrupted`` so the app offers Resume.
"""

from __future__ import annotations

from scenemaker_desktop.engine.sessions.model import Session, SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore


def mark_interrupted(store: SessionStore, session_id: str) -> Session:
    """Turn a session the app stopped on close into ``interrupted`` (others stay as they are)."""
    with store.lock(session_id):
        session = store.load(session_id)
        if session.status in (SessionStatus.CANCELLED, SessionStatus.RUNNING):
            session.status, session.error = SessionStatus.INTERRUPTED, None
            store.save(session)
        return session
