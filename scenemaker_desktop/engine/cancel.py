"""A cancel token shared between the front end and engine work."""

from __future__ import annotations

import threading

from scenemaker_desktop.engine.errors import Cancelled


class CancelToken:
    """Set once by the user (or a signal handler); checked by engine work.

    Engine loops call ``raise_if_cancelled()`` between steps and while waiting;
    ``wait(seconds)`` sleeps but wakes as soon as cancel is requested.
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._interrupted = False

    def cancel(self) -> None:
        """The user cancelled: remote requests are cancelled and the run ends `cancelled`."""
        self._event.set()

    def interrupt(self) -> None:
        """The app is closing: stop as fast as a cancel, but keep paid cloud requests alive
        (their ids stay saved for resume to re-poll) and end the run `interrupted`."""
        if not self._event.is_set():
            self._interrupted = True
        self._event.set()

    @property
    def interrupted(self) -> bool:
        return self._interrupted

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True when cancel was requested."""
        return self._event.wait(seconds)
