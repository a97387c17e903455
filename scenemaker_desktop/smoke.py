"""Smoke mode: the packaged app proves it can open its window, then quits by itself.

``SCENEMAKER_SMOKE_QUIT_MS=1500`` makes the GUI close its main window that many
milliseconds after showing it, so a check (tools/package_check.sh) can start
the frozen app headless and expect exit 0. ``SCENEMAKER_SMOKE_SCREENSHOT=FILE``
also saves what the window drew just before it closes. The GUI announces the
shown window on stderr so the check knows the window really appeared.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

QUIT_ENV = "SCENEMAKER_SMOKE_QUIT_MS"
SCREENSHOT_ENV = "SCENEMAKER_SMOKE_SCREENSHOT"
SHOWN_MARKER = "smoke: window shown"
MAX_DELAY_MS = 600_000


def smoke_quit_delay_ms(environ: Mapping[str, str] | None = None) -> int | None:
    """Milliseconds to wait before quitting, or None when smoke mode is off.

    Anything but a whole number from 0 to 600000 leaves smoke mode off: a typo
    must never make the real app close under an artist.
    """
    raw = (os.environ if environ is None else environ).get(QUIT_ENV, "").strip()
    if not raw.isdigit():
        return None
    delay = int(raw)
    return delay if delay <= MAX_DELAY_MS else None


def smoke_screenshot_path(environ: Mapping[str, str] | None = None) -> Path | None:
    raw = (os.environ if environ is None else environ).get(SCREENSHOT_ENV, "").strip()
    return Path(raw) if raw else None


def arm_smoke_quit(window: Any) -> bool:
    """In smoke mode, announce ``window`` and schedule its close; returns whether armed.

    Call right after ``window.show()``. Closing the last window ends
    ``app.exec()`` with 0, the same path as a user closing it.
    """
    delay = smoke_quit_delay_ms()
    if delay is None:
        return False
    from PySide6.QtCore import QTimer  # only the GUI calls this; the CLI never loads Qt

    print(
        f"{SHOWN_MARKER}: title={window.windowTitle()!r} visible={window.isVisible()}",
        file=sys.stderr,
        flush=True,
    )
    screenshot = smoke_screenshot_path()

    def close() -> None:
        if screenshot is not None:
            window.grab().save(str(screenshot))
        window.close()

    QTimer.singleShot(delay, close)
    return True
