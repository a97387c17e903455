"""What a render worker and the process driving it say to each other, defined once.

The worker (``engine.run_worker``) prints one JSON object per line on stdout:
a ``WorkerMessage`` tagged with its ``type``. The driver (``engine.worker_process``,
used by the desktop app and the REST server) writes ``WorkerCommand`` words on
the worker's stdin. ``encode`` and ``decode`` are the only code that turns
these values into text and back, so both sides always agree.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    SessionFinishedEvent,
)
from scenemaker_desktop.engine.typed_json import from_plain, to_plain


@dataclass(frozen=True)
class SessionCreated:
    """``create`` made a queued session folder."""

    session_id: str


@dataclass(frozen=True)
class WorkerFailed:
    """The worker could not do what it was asked; ``message`` is for the user."""

    message: str


WorkerMessage = (
    SessionCreated
    | WorkerFailed
    | ProgressEvent
    | ChainFinishedEvent
    | NoticeEvent
    | SessionFinishedEvent
)
_TAGS: dict[type, str] = {
    SessionCreated: "created",
    WorkerFailed: "error",
    ProgressEvent: "progress",
    ChainFinishedEvent: "chain",
    NoticeEvent: "notice",
    SessionFinishedEvent: "finished",
}
_CLASSES = {tag: cls for cls, tag in _TAGS.items()}


class WorkerCommand(enum.Enum):
    """A line on the worker's stdin. End of stdin counts as CLOSE."""

    CANCEL = "cancel"
    """The user cancelled: cloud requests are cancelled and the session ends ``cancelled``."""
    CLOSE = "close"
    """The app is closing: stop, keep cloud requests alive, end ``interrupted``."""


class ProtocolError(SceneMakerError):
    """A worker printed a line that is not a message of this protocol."""


def encode(message: WorkerMessage) -> str:
    """One line of JSON (without the newline)."""
    return json.dumps({"type": _TAGS[type(message)], **to_plain(message)}, ensure_ascii=False)


def decode(line: str) -> WorkerMessage:
    """The message on ``line``; ProtocolError when it is not one."""
    try:
        data = json.loads(line)
        cls = _CLASSES[data.pop("type")]
        return from_plain(cls, data)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        raise ProtocolError(f"the render worker said something unreadable: {line[:120]!r}") from exc
