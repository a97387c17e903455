"""The GUI's thread pool: results come back on the GUI thread, or not at all once it is gone."""

from __future__ import annotations

import threading

from PySide6.QtCore import QCoreApplication, QEvent, QObject

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.gui.worker import TaskRunner
from tests.gui.helpers import WAIT_MS


def test_results_and_errors_arrive_on_the_gui_thread(qtbot, qapp):
    runner = TaskRunner(2)
    got: list[tuple[str, object, bool]] = []
    gui_thread = threading.current_thread()

    def on_gui_thread() -> bool:
        return threading.current_thread() is gui_thread

    def fail() -> None:
        raise SceneMakerError("no such session")

    runner.submit(lambda: 6 * 7, lambda v: got.append(("ok", v, on_gui_thread())))
    runner.submit(fail, on_error=lambda e: got.append(("error", str(e), on_gui_thread())))
    qtbot.waitUntil(lambda: len(got) == 2, timeout=WAIT_MS)

    assert sorted(got) == [("error", "no such session", True), ("ok", 42, True)]
    assert not runner.busy
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert runner.children() == [runner.pool]  # finished deliveries do not pile up


def test_a_result_for_a_closed_window_is_dropped(qtbot, qapp):
    owner = QObject()  # the window
    runner = TaskRunner(1, owner)
    delivered: list[object] = []
    runner.submit(lambda: "late", delivered.append)
    assert runner.pool.waitForDone(WAIT_MS)  # the result is on its way, not yet delivered

    owner.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.wait(50)

    assert delivered == []
