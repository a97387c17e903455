"""Drafts and their renders: how the sessions page ties a free preview to its cloud renders."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionListing


def renders_by_draft(listings: Iterable[SessionListing]) -> dict[str, list[str]]:
    """Every draft's renders, oldest first, from the listing already loaded (no second read:
    ``Engine.renders_of`` would list the store once per draft)."""
    renders: dict[str, list[str]] = {}
    for listing in sorted(listings, key=lambda item: item.id):
        session = listing.session
        if session is not None and session.draft_of is not None:
            renders.setdefault(session.draft_of, []).append(session.id)
    return renders


def draft_link_text(session: Session | None, renders: Mapping[str, list[str]]) -> str:
    """How ``session`` is tied to a draft, with links to select the other end."""
    if session is None:
        return ""
    if session.draft_of is not None:
        return f"Render of draft {_link(session.draft_of)}"
    made = renders.get(session.id, [])
    return "Rendered as " + ", ".join(_link(render) for render in made) if made else ""


def _link(session_id: str) -> str:
    # Session ids are generated (digits, letters and dashes), never user text: safe in HTML.
    return f'<a href="{session_id}">{session_id}</a>'
