"""A render worker: one session's intake or run in a child process, for the app and server.

The front runs each job here instead of in one of its own threads: the runner's
Pillow and ffmpeg work then never competes with the window (or the HTTP server)
for Python's GIL, and the child runs at a lower CPU priority (see
bench/bench_gui_stall.py).

``create IMAGE --request JSON`` makes a queued session (the intake's PNG encoding
holds the GIL for a long while, so it too stays out of the front) and says
``SessionCreated``. ``run SESSION_ID`` runs a session and says every runner
event. Both say ``WorkerFailed`` when they cannot. The messages, and the
commands this process reads on stdin, are ``worker_protocol``'s: one per line.
End of stdin counts as ``close``, so a crashed front never leaves a run behind.

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
from pathlib import Path
from typing import TextIO

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.worker_protocol import (
    SessionCreated,
    WorkerCommand,
    WorkerFailed,
    WorkerMessage,
    encode,
)

EXIT_OK, EXIT_ERROR = 0, 1


def _listen(stream: TextIO, cancel: CancelToken) -> None:
    """Fire the token from the commands on ``stream`` (run on a helper thread)."""
    for line in stream:
        command = line.strip()
        if command == WorkerCommand.CANCEL.value:
            cancel.cancel()
        elif command == WorkerCommand.CLOSE.value:
            cancel.interrupt()  # a user's cancel that came first stays a cancel
    cancel.interrupt()  # the front went away


class _Output:
    """Says messages on stdout, one whole line at a time from any thread."""

    def __init__(self, out: TextIO) -> None:
        self._out, self._lock = out, threading.Lock()

    def __call__(self, message: WorkerMessage) -> None:
        with self._lock:
            self._out.write(encode(message) + "\n")
            self._out.flush()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scenemaker_desktop.engine.run_worker")
    parser.add_argument("--sessions", type=Path, help="the sessions folder (default: settings)")
    parser.add_argument("--nice", type=int, default=0, help="lower this process's priority")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run a session, saying every event")
    run.add_argument("session_id")
    create = commands.add_parser("create", help="make a queued session; say its id")
    create.add_argument("image", type=Path)
    create.add_argument("--request", required=True, help="GenerationRequest.to_dict() as JSON")
    create.add_argument("--plan", help="the session's StoryPlan as JSON")
    return parser


def _lower_priority(nice: int) -> None:
    # Renders should never make the window stutter: let the scheduler favour the front.
    if not nice or not hasattr(os, "nice"):
        return
    with contextlib.suppress(OSError):
        os.nice(nice)
    if os.getsid(0) == os.getpid():
        # A session of our own (Python 3.10 cannot start us in a mere process group) is a
        # scheduling autogroup of our own on Linux, where nice counts only inside it.
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(str(nice))


def _engine(sessions: Path | None):
    from scenemaker_desktop.engine.facade import Engine

    return Engine.from_environment(sessions_dir=sessions)


def _create(args: argparse.Namespace, say: _Output) -> int:
    from scenemaker_desktop.engine.catalog import GenerationRequest
    from scenemaker_desktop.engine.story.plan import StoryPlan
    from scenemaker_desktop.engine.typed_json import from_plain

    request = GenerationRequest.from_dict(json.loads(args.request))
    plan = from_plain(StoryPlan, json.loads(args.plan)) if args.plan else None
    session = _engine(args.sessions).create_session(args.image, request, plan)
    say(SessionCreated(session.id))
    return EXIT_OK


def _run(args: argparse.Namespace, say: _Output) -> int:
    cancel = CancelToken()
    threading.Thread(target=_listen, args=(sys.stdin, cancel), name="commands", daemon=True).start()
    for sig in (signal.SIGINT, signal.SIGTERM):  # the front (or the OS) is closing
        signal.signal(sig, lambda *_: cancel.interrupt())
    _engine(args.sessions).run_session(args.session_id, say, cancel)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _lower_priority(args.nice)
    say = _Output(sys.stdout)
    try:
        return _create(args, say) if args.command == "create" else _run(args, say)
    except SceneMakerError as exc:
        say(WorkerFailed(str(exc)))
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
