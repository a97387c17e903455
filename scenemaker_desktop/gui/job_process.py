"""Driving a session's intake and run in child processes from a pool thread.

The pool thread starts ``engine.run_worker``, turns its JSON lines back into
runner events for the queue's sink, and relays cancel/close through the
child's stdin. Only this thread blocks (on the pipe); the GUI thread never does,
and the engine's Pillow/ffmpeg work never holds this process's GIL.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import RunnerEvent
from scenemaker_desktop.engine.run_worker import event_from_json
from scenemaker_desktop.frozen import worker_start

CHILD_NICE = 10
POLL_S = 0.1
STDERR_LINES = 20


class JobProcessError(SceneMakerError):
    """The child process could not run the session (its message says why)."""


def worker_command(sessions: Path, *args: str) -> list[str]:
    return [*worker_start(), "--sessions", str(sessions), "--nice", str(CHILD_NICE), *args]


def own_process_group() -> dict[str, Any]:
    """Popen arguments that keep a Ctrl-C in the terminal to the app (which closes its jobs).

    A process group, not a new session: Linux gives each session its own scheduling
    autogroup with a full share of the CPU, where the worker's nice value would count for
    nothing against the window (renders then starved it for 50-100 ms at a time).
    """
    if os.name != "posix":
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    if sys.version_info >= (3, 11):
        return {"process_group": 0}
    return {"start_new_session": True}  # run_worker then lowers its own autogroup


def _spawn(command: list[str]) -> subprocess.Popen[str]:
    extra = own_process_group()
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", bufsize=1, **extra,
    )  # fmt: skip


def _relay_cancel(
    proc: subprocess.Popen[str], cancel: CancelToken, closing: threading.Event
) -> None:
    while proc.poll() is None:
        if cancel.wait(POLL_S):
            _send(proc, "close" if closing.is_set() else "cancel")
            return


def _send(proc: subprocess.Popen[str], command: str) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(command + "\n")
        proc.stdin.flush()
    except (OSError, ValueError):
        pass  # it has already exited


def _tail(stream, lines: collections.deque[str]) -> None:
    for line in stream:
        lines.append(line.rstrip())


def run_session_process(
    session_id: str,
    sessions: Path,
    on_event: Callable[[RunnerEvent], None],
    cancel: CancelToken,
    closing: threading.Event,
) -> None:
    """Run ``session_id`` to its recorded end in a child; raise JobProcessError on failure."""
    proc = _spawn(worker_command(sessions, "run", session_id))
    stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    helpers = [
        threading.Thread(target=_tail, args=(proc.stderr, stderr), daemon=True),
        threading.Thread(target=_relay_cancel, args=(proc, cancel, closing), daemon=True),
    ]
    for helper in helpers:
        helper.start()
    errors = _read_events(proc, on_event)
    code = proc.wait()
    helpers[0].join(timeout=2)
    if errors:
        raise JobProcessError(errors[-1])
    if code != 0:
        last = next((line for line in reversed(stderr) if line.strip()), f"exit code {code}")
        raise JobProcessError(f"the render process stopped: {last}")


def _read_events(proc: subprocess.Popen[str], on_event: Callable[[RunnerEvent], None]) -> list[str]:
    errors = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.strip():
            continue
        event = event_from_json(line)
        if not isinstance(event, dict):
            on_event(event)
        elif event.get("type") == "error":
            errors.append(str(event.get("message", "unknown error")))
    return errors


def create_session_process(image: Path, request: GenerationRequest, sessions: Path) -> str:
    """Make a queued session in a child (intake is GIL-heavy); return its id."""
    request_json = json.dumps(request.to_dict())
    command = worker_command(sessions, "create", str(image), "--request", request_json)
    out = subprocess.run(
        command, capture_output=True, text=True, encoding="utf-8", timeout=600,
        **own_process_group(),
    )  # fmt: skip
    for line in out.stdout.splitlines():
        if not line.strip():
            continue
        data = json.loads(line)
        if data.get("type") == "created":
            return str(data["session_id"])
        if data.get("type") == "error":
            raise JobProcessError(str(data.get("message")))
    last = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1]
    raise JobProcessError(f"could not prepare the session: {last}")
