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
import types
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    SessionFinishedEvent,
)


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
    return json.dumps({"type": _TAGS[type(message)], **_plain(message)}, ensure_ascii=False)


def decode(line: str) -> WorkerMessage:
    """The message on ``line``; ProtocolError when it is not one."""
    try:
        data = json.loads(line)
        cls = _CLASSES[data.pop("type")]
        return _build(cls, data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ProtocolError(f"the render worker said something unreadable: {line[:120]!r}") from exc


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def _build(cls: type, data: dict[str, Any]) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} needs an object, not {type(data).__name__}")
    hints = get_type_hints(cls)
    return cls(
        **{f.name: _typed(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}
    )


def _typed(kind: Any, value: Any) -> Any:
    """``value`` from JSON as the declared type ``kind`` (Optional, Path, enums, dataclasses)."""
    if get_origin(kind) in (Union, types.UnionType):
        if value is None and type(None) in get_args(kind):
            return None
        (inner,) = [arg for arg in get_args(kind) if arg is not type(None)]
        return _typed(inner, value)
    if kind is Path:
        return Path(_checked(str, value))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if is_dataclass(kind):
        return _build(kind, value)
    if kind is float:
        return float(_checked((int, float), value))
    return _checked(kind, value)


def _checked(kind: type | tuple[type, ...], value: Any) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise TypeError(f"expected {kind}, got a boolean")
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind}, got {type(value).__name__}")
    return value
