"""Running engine work off the GUI thread, and getting its answers back on it.

Anki's rule, kept here: the background function never touches a widget. It
returns a value (or raises); a small QObject that lives on the GUI thread
receives that through a queued signal and calls the callback there. Widgets
only ever see callbacks, never threads.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from scenemaker_desktop.engine.errors import SceneMakerError

log = logging.getLogger(__name__)

ResultCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


def user_message(error: BaseException) -> str:
    """One line a person can read; internal errors say so instead of hiding."""
    if isinstance(error, SceneMakerError):
        return str(error)
    return f"internal error: {type(error).__name__}: {error}"


class _Delivery(QObject):
    """Lives on the GUI thread; its slots run there because the signals are queued.

    A child of its TaskRunner: when the runner goes (its window closed), a result still
    on its way is dropped by Qt instead of reaching widgets that no longer exist.
    """

    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_result: ResultCallback | None,
        on_error: ErrorCallback | None,
        done: Callable,
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self._on_result, self._on_error, self._done = on_result, on_error, done
        self.succeeded.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)

    def _finish(self) -> None:
        self._done(self)
        self.deleteLater()

    @Slot(object)
    def _deliver_result(self, value: object) -> None:
        self._finish()
        if self._on_result is not None:
            self._on_result(value)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        self._finish()
        if self._on_error is not None:
            self._on_error(error)
        else:
            log.error("background task failed: %s", user_message(error))


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], delivery: _Delivery) -> None:
        super().__init__()
        self._fn, self._delivery = fn, delivery

    def run(self) -> None:
        try:
            value = self._fn()
        except BaseException as exc:
            if not isinstance(exc, SceneMakerError):
                log.exception("background task raised")
            self._emit(self._delivery.failed, exc)
        else:
            self._emit(self._delivery.succeeded, value)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        # RuntimeError: the receiver went away with its window; nobody waits for this.
        with contextlib.suppress(RuntimeError):
            signal.emit(value)


class TaskRunner(QObject):
    """A thread pool whose results come back on the GUI thread."""

    def __init__(self, max_threads: int = 3, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._pending: set[_Delivery] = set()

    def submit(
        self,
        fn: Callable[[], Any],
        on_result: ResultCallback | None = None,
        on_error: ErrorCallback | None = None,
    ) -> None:
        """Run ``fn()`` on the pool; call ``on_result(value)`` or ``on_error(exc)`` here."""
        delivery = _Delivery(on_result, on_error, self._pending.discard, self)
        self._pending.add(delivery)
        self.pool.start(_Task(fn, delivery))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int) -> bool:
        """Block until every task has returned (True) or ``msecs`` passed (False)."""
        return self.pool.waitForDone(msecs)


class EventRelay(QObject):
    """Carries engine events from a runner thread to the GUI thread."""

    received = Signal(object)

    def __init__(self, on_event: ResultCallback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_event = on_event
        self.received.connect(self._deliver)

    @Slot(object)
    def _deliver(self, event: object) -> None:
        self._on_event(event)

    def send(self, event: object) -> None:
        """Safe to call from any thread."""
        with contextlib.suppress(RuntimeError):
            self.received.emit(event)
