"""The server's generation queue: at most N sessions render at once, in render workers.

Sessions wait in the order they came and run in ``Engine.run_in_worker`` on a
thread of their own, so the HTTP side never waits for a render. What a running
session last reported is kept in memory for status calls and handed to event
subscribers. The sessions this server has accepted and not finished are
written down (``Ledger``) so that a restarted server, even after ``kill -9``,
resumes them: saved fal request ids are re-polled by the runner, never
submitted again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.events import ProgressEvent, RunnerEvent, SessionFinishedEvent
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import write_json_atomic

log = logging.getLogger(__name__)
LEDGER_NAME = ".serve-jobs.json"
BUSY_WAIT_S = 60.0
"""How long a resumed session waits for a worker of a killed server to let go of it."""
BUSY_POLL_S = 0.25

Subscriber = Callable[[RunnerEvent | None], None]
"""Gets each runner event of one session in order, then None when the run is over."""


@dataclass(frozen=True)
class LiveState:
    """What the server knows of a session it is running or holding in its queue."""

    waiting_ahead: int | None
    """Sessions ahead of it in the queue; None once it runs."""
    last: ProgressEvent | None


@dataclass(eq=False)
class _Run:
    session_id: str
    token: CancelToken = field(default_factory=CancelToken)
    last: ProgressEvent | None = None
    started: bool = False
    subscribers: list[Subscriber] = field(default_factory=list)


class Ledger:
    """The ids of sessions this server has accepted and not finished, kept on disk."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / LEDGER_NAME
        self._lock = threading.Lock()

    def read(self) -> list[str]:
        try:
            ids = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []

    def add(self, session_id: str) -> None:
        self._change(lambda ids: ids if session_id in ids else [*ids, session_id])

    def remove(self, session_id: str) -> None:
        self._change(lambda ids: [i for i in ids if i != session_id])

    def _change(self, edit: Callable[[list[str]], list[str]]) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(self.path, edit(self.read()))


class JobManager:
    """Runs accepted sessions, ``slots`` at a time, first come first served."""

    def __init__(self, engine: Engine, slots: int) -> None:
        self.engine = engine
        self.slots = max(1, slots)
        self.ledger = Ledger(engine.sessions_dir)
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}
        self._waiting: list[str] = []
        self._threads: set[threading.Thread] = set()
        self._closing = False

    # -- what the routes ask -----------------------------------------------------------

    def submit(self, session_id: str) -> None:
        """Queue a session (new or to resume); it starts when a slot is free."""
        self.ledger.add(session_id)
        with self._lock:
            if self._closing or session_id in self._runs:
                return
            self._runs[session_id] = _Run(session_id)
            self._waiting.append(session_id)
        self._start_waiting()

    def cancel(self, session_id: str) -> bool:
        """Cancel a queued or running session; False when this server is not holding it."""
        with self._lock:
            run = self._runs.get(session_id)
            if run is None:
                return False
            run.token.cancel()
            waiting = session_id in self._waiting
            if waiting:  # run it at once with the token fired: the runner records `cancelled`
                self._waiting.remove(session_id)
                run.started = True
        if waiting:
            self._launch(run)
        return True

    def holds(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._runs

    def live(self, session_id: str) -> LiveState | None:
        with self._lock:
            run = self._runs.get(session_id)
            if run is None:
                return None
            ahead = self._waiting.index(session_id) if session_id in self._waiting else None
            return LiveState(ahead, run.last)

    def active_count(self) -> int:
        with self._lock:
            return len(self._runs)

    def subscribe(self, session_id: str, subscriber: Subscriber) -> bool:
        """Follow a held session's events; False (and nothing sent) when it is not held."""
        with self._lock:
            run = self._runs.get(session_id)
            if run is None:
                return False
            run.subscribers.append(subscriber)
            return True

    def unsubscribe(self, session_id: str, subscriber: Subscriber) -> None:
        with self._lock:
            run = self._runs.get(session_id)
            if run is not None and subscriber in run.subscribers:
                run.subscribers.remove(subscriber)

    def resume_accepted(self) -> list[str]:
        """Queue again every session a previous run of the server left unfinished."""
        resumed = []
        for session_id in self.ledger.read():
            try:
                session = self.engine.load_session(session_id)
            except SceneMakerError as exc:
                log.warning("not resuming %s: %s", session_id, exc)
                self.ledger.remove(session_id)
                continue
            # Running: a worker of the killed server still holds it; it is waited for.
            if session.status.resumable or session.status is SessionStatus.RUNNING:
                resumed.append(session_id)
                self.submit(session_id)
            else:
                self.ledger.remove(session_id)
        return resumed

    def begin_shutdown(self) -> None:
        """Stop taking work and interrupt every run (safe to call from a signal handler):
        workers save their sessions as interrupted, cloud requests stay alive for resume."""
        self._closing = True
        for run in list(self._runs.values()):
            run.token.interrupt()

    def shutdown(self, wait_s: float = 30.0) -> None:
        self.begin_shutdown()
        deadline = time.monotonic() + wait_s
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            for run in self._runs.values():
                for subscriber in run.subscribers:
                    subscriber(None)
                run.subscribers.clear()

    # -- running -----------------------------------------------------------------------

    def _start_waiting(self) -> None:
        while True:
            with self._lock:
                running = sum(1 for r in self._runs.values() if r.started)
                if self._closing or running >= self.slots or not self._waiting:
                    return
                run = self._runs[self._waiting.pop(0)]
                run.started = True  # counted as running from here, before its thread exists
            self._launch(run)

    def _launch(self, run: _Run) -> None:
        thread = threading.Thread(target=self._run, args=(run,), name=f"run-{run.session_id}")
        with self._lock:
            self._threads.add(thread)
        thread.start()

    def _run(self, run: _Run) -> None:
        finished: SessionFinishedEvent | None = None
        try:
            self._wait_until_free(run)
            finished = self.engine.run_in_worker(run.session_id, self._sink(run), run.token)
        except SceneMakerError as exc:
            log.warning("session %s stopped: %s", run.session_id, exc)
        except Exception:
            log.exception("session %s: the run failed", run.session_id)
        finally:
            self._ended(run, finished)

    def _wait_until_free(self, run: _Run) -> None:
        """A session a killed server's worker still holds becomes free when it exits."""
        deadline = time.monotonic() + BUSY_WAIT_S
        while self.engine.session_locked(run.session_id) and time.monotonic() < deadline:
            if run.token.wait(BUSY_POLL_S):
                return

    def _sink(self, run: _Run) -> Callable[[RunnerEvent], None]:
        def forward(event: RunnerEvent) -> None:
            with self._lock:
                if isinstance(event, ProgressEvent):
                    run.last = event
                subscribers = list(run.subscribers)
            for subscriber in subscribers:
                subscriber(event)

        return forward

    def _ended(self, run: _Run, finished: SessionFinishedEvent | None) -> None:
        interrupted = run.token.interrupted
        if not interrupted:  # an interrupted run is resumed by the next start
            self.ledger.remove(run.session_id)
        with self._lock:
            self._runs.pop(run.session_id, None)
            subscribers, run.subscribers = list(run.subscribers), []
            self._threads.discard(threading.current_thread())
        for subscriber in subscribers:
            subscriber(None)
        status = finished.status.value if finished else "stopped"
        log.info("session %s ended %s", run.session_id, status)
        self._start_waiting()
