"""Driving the window the way a user does: drops, clicks, keys, and waiting for the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

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
    """Drop ``image`` and wait for the offline analysis to fill the fields."""
    page = window.studio_page
    drop_files(page.drop_zone, image)
    qtbot.waitUntil(lambda: page.analysis.fields["theme"].text() != "", timeout=WAIT_MS)


def fill_form(
    window, action: str, chains: int, params: dict[str, Any], model: str = "local"
) -> None:
    page = window.studio_page
    page.model.set_model(model)
    page.analysis.action.setPlainText(action)
    for key, value in params.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(chains)


def jobs(window) -> list:
    return list(window.queue.jobs)
