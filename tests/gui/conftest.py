"""GUI test set-up: offscreen Qt, Qt warnings fail the test, and a real main window."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent

# Messages Qt prints about the machine rather than about our code: no VA-API/pipewire
# libraries to load and no GPU for QtMultimedia's frame conversion in a headless box, and
# the offscreen platform plugin's notes that it has no window manager to pass size hints to
# or to raise a window with.
PLATFORM_NOISE = (
    r"Couldn't (load|resolve) .*(library|symbols)",
    r".*No RHI backend.*",
    r"This plugin does not support propagateSizeHints\(\)",
    r"This plugin does not support raise\(\)",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every GUI test fails on a Qt warning (what `qt_log_level_fail = "WARNING"` does)."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            item.add_marker(pytest.mark.qt_log_ignore(*PLATFORM_NOISE, extend=True))


@pytest.fixture(scope="session")
def qapp_cls():
    """The app's own QApplication class (it handles files opened from the desktop)."""
    from scenemaker_desktop.gui.app import SceneMakerApplication

    return SceneMakerApplication


@pytest.fixture(autouse=True)
def _qt_garbage_goes_on_the_gui_thread(qapp) -> Iterator[None]:
    """Free each test's widgets on the GUI thread, before the next test starts threads.

    pytest-qt closes a test's widgets with deleteLater, which waits for an event loop.
    Meanwhile a top-level widget caught in a reference cycle can be freed by the garbage
    collector on whichever thread allocates next, e.g. a worker of the next test, and a
    QWidget destroyed off the GUI thread crashes the process.
    """
    yield
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def themed(qapp):
    from scenemaker_desktop.gui.theme import apply_theme

    apply_theme(qapp, "dark")
    return qapp


def _close_without_asking(window) -> None:
    if window.settings is not None:
        window.settings.confirm_spending = False


@pytest.fixture
def dialogs() -> Iterator:
    """Message boxes answered as queued; any other box is escaped and fails the test."""
    from tests.gui.helpers import Dialogs

    answers = Dialogs()
    answers.start()
    yield answers
    answers.stop()
    assert not answers.unexpected, f"unexpected dialogs: {answers.unexpected}"


@pytest.fixture
def window(qtbot, themed, engine, dialogs) -> Iterator:
    """The real main window, shown; closing it at the end stops its jobs."""
    from scenemaker_desktop.gui.main_window import MainWindow

    win = MainWindow(engine)
    # pytest-qt closes the window first when a test fails; a paid job it left running
    # must not make that close ask (and wait) for an answer.
    qtbot.addWidget(win, before_close_func=_close_without_asking)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
