"""Driving the window the way a user does: drops, clicks, keys, and waiting for the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from tests.sessions_support import SLOW_LOCAL, TINY_LOCAL, stored_session

__all__ = ["SLOW_LOCAL", "TINY_LOCAL", "stored_session"]
WAIT_MS = 60_000


def drop_files(widget: QWidget, *paths: Path) -> None:
    """Drag files over ``widget`` and drop them, as a file manager would."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, drop)


def load_input(qtbot, window, image: Path) -> None:
    """Drop ``image`` and wait for the offline analysis to fill the fields (and the plan
    written once after it)."""
    page = window.studio_page
    drop_files(page.drop_zone, image)
    qtbot.waitUntil(lambda: page.analysis.fields["theme"].text() != "", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not page.planning.busy, timeout=WAIT_MS)


def fit_plan(qtbot, window) -> None:
    """Re-plan, as the artist would, when the storyboard no longer fits the chain count."""
    page = window.studio_page
    qtbot.waitUntil(lambda: not page.planning.busy, timeout=WAIT_MS)
    if page.storyboard.problem(page.model.chains()):
        page.planning.replan()
        qtbot.waitUntil(lambda: not page.planning.busy, timeout=WAIT_MS)


def fill_form(
    qtbot, window, action: str, chains: int, params: dict[str, Any], model: str = "local"
) -> None:
    page = window.studio_page
    page.model.set_model(model)
    page.analysis.action.setPlainText(action)
    for key, value in params.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(chains)
    fit_plan(qtbot, window)


def jobs(window) -> list:
    return list(window.queue.jobs)


@dataclass
class SeenDialog:
    title: str
    text: str
    details: str
    buttons: list[str]
    clicked: str


@dataclass
class Dialogs:
    """Answers message boxes as a user would: reads each one and clicks a button.

    Queue answers with ``answer``; a box that opens with no answer queued is
    escaped (so the test cannot hang) and counts as unexpected."""

    seen: list[SeenDialog] = field(default_factory=list)
    unexpected: list[SeenDialog] = field(default_factory=list)
    _answers: list[tuple[str, bool]] = field(default_factory=list)
    _timer: QTimer | None = None

    def start(self) -> None:
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._look)
        self._timer.start()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()

    def answer(self, button: str, dont_ask_again: bool = False) -> None:
        self._answers.append((button, dont_ask_again))

    def _look(self) -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.property("answered"):
            return
        box.setProperty("answered", True)
        texts = [b.text().replace("&", "") for b in box.buttons()]
        if not self._answers:
            box.escapeButton().click() if box.escapeButton() else box.reject()
            self.unexpected.append(SeenDialog(box.windowTitle(), box.text(), "", texts, ""))
            return
        wanted, tick = self._answers.pop(0)
        if tick and box.checkBox() is not None:
            box.checkBox().setChecked(True)
        seen = SeenDialog(box.windowTitle(), box.text(), box.informativeText(), texts, wanted)
        self.seen.append(seen)
        button = next(b for b in box.buttons() if b.text().replace("&", "") == wanted)
        button.click()
