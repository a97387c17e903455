"""Run one session in a child process and speak JSON lines, for the desktop app.

The app runs each job here instead of in one of its own threads: the runner's
Pillow and ffmpeg work then never competes with the window for Python's GIL,
and the child runs at a lower CPU priority, so the window stays smooth while
chains render (see bench/bench_gui_stall.py).

Commands: ``run SESSION_ID`` runs a session; ``create IMAGE --request JSON``
makes a queued session (the intake's PNG encoding holds the GIL for a long
while, so it too stays out of the app) and prints ``{"type": "created",
"session_id": ...}``.

Protocol of ``run``. stdout carries one JSON object per line: ``{"type": "progress" |
"chain" | "finished" | "error", ...}`` (see ``event_to_json``). stdin takes
commands, one per line: ``cancel`` (the user cancelled: the session ends
``cancelled``) or ``close`` (the app is closing: the session ends
``interrupted``). End of stdin counts as ``close``, so a crashed app never
leaves a run behind.

Run: python -m scenemaker_desktop.engine.run_worker [--sessions DIR] [--nice N] run SESSION_ID
A packaged app has no ``python -m``: its own program takes the same arguments after the
hidden command ``_run-worker`` (``frozen.WORKER_COMMAND``; see cli.main).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    RunnerEvent,
    SessionFinishedEvent,
)
from scenemaker_desktop.engine.sessions.interrupt import mark_interrupted
from scenemaker_desktop.engine.sessions.model import SessionStatus

EXIT_OK, EXIT_ERROR = 0, 1
USAGE = (
    "usage: python -m scenemaker_desktop.engine.run_worker SESSION_ID [--sessions DIR] [--nice N]"
)
_TYPES = {
    ProgressEvent: "progress",
    ChainFinishedEvent: "chain",
    SessionFinishedEvent: "finished",
    NoticeEvent: "notice",
}


def event_to_json(event: RunnerEvent) -> str:
    data: dict[str, Any] = {"type": _TYPES[type(event)], **asdict(event)}
    for key, value in data.items():
        if isinstance(value, Path):
            data[key] = str(value)
        elif isinstance(value, SessionStatus):
            data[key] = value.value
    return json.dumps(data, ensure_ascii=False)


def event_from_json(line: str) -> RunnerEvent | dict[str, Any]:
    """The event a worker printed; an ``error`` line comes back as its dict."""
    data = json.loads(line)
    kind = data.pop("type")
    if kind == "progress":
        return ProgressEvent(**data)
    if kind == "notice":
        return NoticeEvent(**data)
    if kind == "chain":
        for key in ("video", "thumbnail", "seed_frame"):
            data[key] = Path(data[key]) if data.get(key) else None
        return ChainFinishedEvent(**data)
    if kind == "finished":
        data["status"] = SessionStatus(data["status"])
        data["final_video"] = Path(data["final_video"]) if data.get("final_video") else None
        return SessionFinishedEvent(**data)
    return {"type": kind, **data}


class _Commands:
    """Reads stdin on a helper thread and fires the cancel token."""

    def __init__(self, stream: TextIO, cancel: CancelToken) -> None:
        self.closing = threading.Event()
        self._stream, self._cancel = stream, cancel
        threading.Thread(target=self._read, name="commands", daemon=True).start()

    def _read(self) -> None:
        for line in self._stream:
            command = line.strip()
            if command == "close" and not self._cancel.cancelled:
                self.closing.set()
                self._cancel.interrupt()
            if command == "cancel":
                self._cancel.cancel()
        if not self._cancel.cancelled:  # the app went away; a user's cancel stays a cancel
            self.closing.set()
            self._cancel.interrupt()


def _emitter(out: TextIO):
    lock = threading.Lock()

    def emit(event: RunnerEvent) -> None:
        with lock:
            out.write(event_to_json(event) + "\n")
            out.flush()

    return emit


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scenemaker_desktop.engine.run_worker")
    parser.add_argument("--sessions", type=Path, help="the sessions folder (default: settings)")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a session, speaking JSON lines")
    run.add_argument("session_id")
    create = commands.add_parser("create", help="make a queued session; print its id")
    create.add_argument("image", type=Path)
    create.add_argument("--request", required=True, help="GenerationRequest.to_dict() as JSON")
    return parser


def _lower_priority(nice: int) -> None:
    # Renders should never make the window stutter: let the scheduler favour the app.
    if not nice or not hasattr(os, "nice"):
        return
    with contextlib.suppress(OSError):
        os.nice(nice)
    if os.getsid(0) == os.getpid():
        # A session of our own (Python 3.10 cannot start us in a mere process group) is a
        # scheduling autogroup of our own on Linux, where nice counts only inside it.
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(str(nice))


def _studio(sessions: Path | None):
    from scenemaker_desktop.engine.sessions.store import SessionStore
    from scenemaker_desktop.engine.studio import Studio

    studio = Studio.from_environment()
    if sessions is not None:
        studio.store = SessionStore(sessions)
    return studio


def _say(data: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _create(args: argparse.Namespace) -> int:
    """Session intake (image checks, PNG copy, thumbnail): heavy on the GIL, so not in the app."""
    from scenemaker_desktop.engine.catalog import GenerationRequest

    request = GenerationRequest.from_dict(json.loads(args.request))
    session = _studio(args.sessions).new_session(args.image, request)
    _say({"type": "created", "session_id": session.id})
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    cancel = CancelToken()
    commands = _Commands(sys.stdin, cancel)

    def close(*_: object) -> None:  # a signal here means the app (or the OS) is closing
        commands.closing.set()
        cancel.interrupt()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, close)
    studio = _studio(args.sessions)
    session = studio.runner(_emitter(sys.stdout), cancel).run(args.session_id)
    if session.status is SessionStatus.CANCELLED and commands.closing.is_set():
        mark_interrupted(studio.store, session.id)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _lower_priority(args.nice)
    try:
        return _create(args) if args.command == "create" else _run(args)
    except SceneMakerError as exc:
        _say({"type": "error", "message": str(exc)})
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
