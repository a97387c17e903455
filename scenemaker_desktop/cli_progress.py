"""Progress on stderr and Ctrl-C/SIGTERM as a clean cancel, for long CLI runs."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Iterator

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    RunnerEvent,
    SessionFinishedEvent,
    Step,
)

LOG_REPEAT_SECONDS = 5.0


class ProgressPrinter:
    """Prints what the runner is doing to stderr: a live line on a terminal,
    one line per new operation otherwise (so logs stay readable)."""

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_step: Step | None = None
        self._last_time = 0.0

    def __call__(self, event: RunnerEvent) -> None:
        if isinstance(event, ProgressEvent):
            self._progress(event)
        elif isinstance(event, ChainFinishedEvent):
            self._line(f"chain {event.chain_index + 1} ready: {event.video}")
        elif isinstance(event, NoticeEvent):
            self._line(f"note: {event.message}")
        elif isinstance(event, SessionFinishedEvent):
            self._line(f"session {event.session_id}: {event.status.value}")

    def _progress(self, event: ProgressEvent) -> None:
        text = f"[{event.overall * 100:5.1f}%] {event.operation}"
        if event.queue_position is not None:
            text += f" (queue position {event.queue_position})"
        now = time.monotonic()
        if self.live:
            if now - self._last_time >= 0.1:
                self._last_time = now
                self.stream.write("\r\033[K" + text)
                self.stream.flush()
            return
        # In a log, a new step prints at once; repeats of a step (frame counts, fal log
        # lines) at most every few seconds, so a long cloud job stays readable.
        new_step = not event.step.same_step(self._last_step)
        if new_step or now - self._last_time >= LOG_REPEAT_SECONDS:
            self._last_step, self._last_time = event.step, now
            self.stream.write(text + "\n")
            self.stream.flush()

    def _line(self, text: str) -> None:
        prefix = "\r\033[K" if self.live else ""
        self.stream.write(prefix + text + "\n")
        self.stream.flush()


@contextlib.contextmanager
def cancel_on_signals(cancel: CancelToken) -> Iterator[None]:
    """SIGINT and SIGTERM request a cancel instead of killing the process, so the
    running request is cancelled and the session saved before we exit."""

    def request_cancel(signum: int, frame: object) -> None:
        # No I/O here: the handler can interrupt a write to stderr, and a re-entrant write
        # raises inside whatever the main thread was doing. The runner reports the cancel.
        cancel.cancel()

    previous = {sig: signal.signal(sig, request_cancel) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
