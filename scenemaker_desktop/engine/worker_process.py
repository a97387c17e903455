"""Driving a session's intake and run in child processes (``engine.run_worker``).

The desktop app and the REST server run every job this way: the runner's Pillow
and ffmpeg work then never holds the front's GIL, and the child runs at a lower
CPU priority, so the window (or the status endpoint) stays quick while chains
render. Call these from a worker thread: they block until the child is done.
The child's messages are ``worker_protocol`` values; a cancel or an interrupt of
the token reaches it as a command on its stdin.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import RunnerEvent, SessionFinishedEvent
from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.engine.typed_json import to_plain
from scenemaker_desktop.engine.worker_protocol import (
    ProtocolError,
    SessionCreated,
    WorkerCommand,
    WorkerFailed,
    WorkerMessage,
    decode,
)
from scenemaker_desktop.frozen import worker_start

CHILD_NICE = 10
POLL_S = 0.1
STDERR_LINES = 20
INTAKE_TIMEOUT_S = 600


class WorkerProcessError(SceneMakerError):
    """The child process could not run the session (its message says why)."""


def worker_command(sessions: Path, *args: str) -> list[str]:
    return [*worker_start(), "--sessions", str(sessions), "--nice", str(CHILD_NICE), *args]


def own_process_group() -> dict[str, Any]:
    """Popen arguments that keep a Ctrl-C in the terminal to the front (which closes its jobs).

    A process group, not a new session: Linux gives each session its own scheduling
    autogroup with a full share of the CPU, where the worker's nice value would count for
    nothing against the window (renders then starved it for 50-100 ms at a time).
    """
    if os.name != "posix":
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    if sys.version_info >= (3, 11):
        return {"process_group": 0}
    return {"start_new_session": True}  # run_worker then lowers its own autogroup


def run_in_worker(
    session_id: str,
    sessions: Path,
    on_event: Callable[[RunnerEvent], None],
    cancel: CancelToken,
) -> SessionFinishedEvent:
    """Run ``session_id`` to its recorded end in a child; return how it ended.

    Every runner event reaches ``on_event`` (on this thread). Raises
    WorkerProcessError when the child fails before the session ends.
    """
    proc = _spawn(worker_command(sessions, "run", session_id))
    stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
    tail = threading.Thread(target=_tail, args=(proc.stderr, stderr), daemon=True)
    tail.start()
    threading.Thread(target=_relay_cancel, args=(proc, cancel), daemon=True).start()
    finished, failures = None, []
    for message in _messages(proc.stdout):
        if isinstance(message, WorkerFailed):
            failures.append(message.message)
        elif isinstance(message, SessionFinishedEvent):
            finished = message
            on_event(message)
        elif not isinstance(message, SessionCreated):
            on_event(message)
    code = proc.wait()
    tail.join(timeout=2)
    if failures:
        raise WorkerProcessError(failures[-1])
    if finished is None or code != 0:
        last = next((line for line in reversed(stderr) if line.strip()), f"exit code {code}")
        raise WorkerProcessError(f"the render process stopped: {last}")
    return finished


def create_in_worker(
    image: Path, request: GenerationRequest, sessions: Path, plan: StoryPlan | None = None
) -> str:
    """Make a queued session in a child (intake is GIL-heavy); return its id."""
    request_json = json.dumps(request.to_dict())
    command = worker_command(sessions, "create", str(image), "--request", request_json)
    if plan is not None:
        command += ["--plan", json.dumps(to_plain(plan))]
    out = subprocess.run(
        command, capture_output=True, text=True, encoding="utf-8", timeout=INTAKE_TIMEOUT_S,
        **own_process_group(),
    )  # fmt: skip
    for message in _messages(out.stdout.splitlines()):
        if isinstance(message, SessionCreated):
            return message.session_id
        if isinstance(message, WorkerFailed):
            raise WorkerProcessError(message.message)
    last = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1]
    raise WorkerProcessError(f"could not prepare the session: {last}")


def _messages(lines: Any) -> Iterator[WorkerMessage]:
    """The child's messages; a line that is not one reads as a failure and reading goes on
    (stopping would leave the child blocked on a full pipe)."""
    for line in lines:
        if not line.strip():
            continue
        try:
            yield decode(line)
        except ProtocolError as exc:
            yield WorkerFailed(str(exc))


def _spawn(command: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, encoding="utf-8", bufsize=1, **own_process_group(),
    )  # fmt: skip


def _relay_cancel(proc: subprocess.Popen[str], cancel: CancelToken) -> None:
    while proc.poll() is None:
        if cancel.wait(POLL_S):
            _send(proc, WorkerCommand.CLOSE if cancel.interrupted else WorkerCommand.CANCEL)
            return


def _send(proc: subprocess.Popen[str], command: WorkerCommand) -> None:
    try:
        assert proc.stdin is not None
        proc.stdin.write(command.value + "\n")
        proc.stdin.flush()
    except (OSError, ValueError):
        pass  # it has already exited


def _tail(stream: Any, lines: collections.deque[str]) -> None:
    for line in stream:
        lines.append(line.rstrip())
