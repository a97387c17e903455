"""Starting the desktop app: QApplication, theme, the window, and signals.

SIGINT and SIGTERM close the window like the user would: running jobs are
cancelled and saved as interrupted, then the app exits 0. Python runs signal
handlers only between bytecodes, and Qt's event loop is C++, so a short
QTimer keeps handing control back to Python.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QLoggingCategory, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from scenemaker_desktop import __version__
from scenemaker_desktop.crash_log import crash_message, install_crash_log
from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.gui.theme import FUSION_PROPERTY, apply_theme
from scenemaker_desktop.smoke import arm_smoke_quit

if TYPE_CHECKING:
    from scenemaker_desktop.gui.main_window import MainWindow

log = logging.getLogger(__name__)
SIGNAL_TICK_MS = 100
# Qt Multimedia's notes on optional system libraries it did not find (VA-API, PipeWire, a
# hardware decoder) and its FFmpeg chatter: noise in an artist's terminal, not faults.
# QT_LOGGING_RULES, which Qt reads after these, turns any of them back on.
QUIET_LOGGING = "\n".join(
    (
        "qt.multimedia.symbolsresolver=false",
        "qt.multimedia.playbackengine.codec=false",
        "qt.multimedia.*.info=false",
    )
)


class _CrashRelay(QObject):
    """Carries a crash-log path from whichever thread failed to the GUI thread."""

    crashed = Signal(str)


def _install_crash_dialog(app: QApplication) -> _CrashRelay:
    relay = _CrashRelay(app)
    relay.crashed.connect(_show_crash_dialog)
    install_crash_log(
        AppPaths.from_environment().logs,
        on_crash=lambda log_file: relay.crashed.emit(str(log_file)),
    )
    return relay


def _show_crash_dialog(log_file: str) -> None:
    from PySide6.QtWidgets import QMessageBox  # only ever needed after a crash

    QMessageBox.critical(QApplication.activeWindow(), "SceneMaker", crash_message(Path(log_file)))


class SceneMakerApplication(QApplication):
    """The application object. Files opened from the desktop (macOS Finder's "Open With",
    a file dropped on the Dock icon) arrive here as FileOpen events, not as arguments."""

    file_opened = Signal(str)

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.last_opened = ""
        """The latest such file: one that came at launch, before the window listened."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen:
            self.last_opened = event.file()  # type: ignore[attr-defined]
            self.file_opened.emit(self.last_opened)
            return True
        return super().event(event)


def open_files_in(app: QApplication, window: MainWindow) -> None:
    """Show files the desktop asks us to open in ``window`` (for as long as it lives)."""
    if isinstance(app, SceneMakerApplication):
        if app.last_opened:
            window.open_from_desktop(app.last_opened)
        app.file_opened.connect(window.open_from_desktop)


def make_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        QLoggingCategory.setFilterRules(QUIET_LOGGING)
        # Fusion from the start (every theme is drawn for it): switching later costs a
        # second style and, asked from Python, the QStyle enums.
        app = SceneMakerApplication([*sys.argv[:1], "-style", "Fusion"])
        app.setProperty(FUSION_PROPERTY, True)
    app.setApplicationName("SceneMaker")
    app.setApplicationDisplayName("SceneMaker")
    app.setOrganizationName("SceneMaker")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("scenemaker")
    return app


@contextlib.contextmanager
def close_on_signals(app: QApplication, window: object) -> Iterator[None]:
    """Treat SIGINT/SIGTERM as closing the window: running jobs end ``interrupted``."""

    def close_everything() -> None:
        window.close()  # type: ignore[attr-defined]
        app.closeAllWindows()
        app.quit()

    def handler(signum: int, frame: object) -> None:
        log.info("signal %s: closing", signum)
        QTimer.singleShot(0, close_everything)

    signals = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, handler) for sig in signals}
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(SIGNAL_TICK_MS)
    try:
        yield
    finally:
        tick.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_app(image: str | None = None) -> int:
    """Run the desktop app until its window closes; returns the exit code."""
    from scenemaker_desktop.gui import startup_prefs
    from scenemaker_desktop.gui.main_window import MainWindow

    app = make_app()
    _install_crash_dialog(app)
    prefs = startup_prefs.peek()
    apply_theme(app, prefs.theme, system=prefs.system_theme or "light")
    window = MainWindow.starting(prefs)
    # Signals are handled before the window shows: a SIGTERM the moment it appears (or is
    # announced in smoke mode) must close it like the user would, not kill the process.
    with close_on_signals(app, window):
        window.show()
        arm_smoke_quit(window)
        if image:
            window.load_image(Path(image))
        open_files_in(app, window)
        code = app.exec()
    if not window.shutdown_clean:
        # A worker did not stop in time; the thread pool's destructor would wait for it
        # forever. Sessions are safe on disk (atomic writes, kernel-released locks).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
