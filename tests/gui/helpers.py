"""Driving the window the way a user does: drops, clicks, keys, and waiting for the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.studio import Studio

TINY_LOCAL = {"resolution": "360p", "duration": 2, "fps": 12}
# Long enough to still be rendering when the test cancels it; cancelled long before it ends.
SLOW_LOCAL = {"resolution": "360p", "duration": 10, "fps": 30}
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


def stored_session(studio: Studio, chains: int = 1, params: dict | None = None) -> Session:
    """A queued session made through the engine's intake, as `scenemaker generate` does."""
    from tests.conftest import SAMPLE_IMAGE

    request = build_request("local", "slow push in toward the sea", chains, params or TINY_LOCAL)
    return studio.new_session(SAMPLE_IMAGE, request)
