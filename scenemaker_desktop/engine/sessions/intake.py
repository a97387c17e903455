"""Turning a dropped image and a request into a new session folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.images import inspect_image, normalise_image
from scenemaker_desktop.engine.media import thumbnail
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.story.plan import StoryPlan

SESSION_THUMBNAIL = "thumb.jpg"


def create_session(
    store: SessionStore,
    image: Path,
    request: GenerationRequest,
    plan: StoryPlan | None = None,
    draft_of: str | None = None,
) -> Session:
    """Check the image, then make a queued session holding its normalised copy.

    The image is checked before any folder exists, so a refused file leaves
    nothing behind; a failure while copying removes the half-made folder.
    """
    inspect_image(image)
    session = store.create(request, Path(image).name, plan, draft_of)
    folder = store.folder(session.id)
    try:
        normalise_image(image, folder / session.input_image)
        thumbnail(folder / session.input_image, folder / SESSION_THUMBNAIL)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    session.thumbnail = SESSION_THUMBNAIL
    store.save(session)
    return session
