"""The status bar's health read-out, and notifications when a job ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QSystemTrayIcon

from scenemaker_desktop.gui.theme import current_colours

if TYPE_CHECKING:
    from scenemaker_desktop.engine.health import Health

MESSAGE_MS = 10000


def _dot(ok: bool | None, text: str) -> str:
    colours = current_colours()
    colour = {True: colours["success"], False: colours["danger"]}.get(ok, colours["muted"])
    return f'<span style="color:{colour}">●</span>&nbsp;{text}'


class HealthBar:
    """Permanent labels on the right of the status bar: keys, ffmpeg, jobs."""

    def __init__(self, bar: QStatusBar) -> None:
        self.fal, self.openai, self.ffmpeg, self.jobs = (QLabel() for _ in range(4))
        for widget in (self.fal, self.openai, self.ffmpeg, self.jobs):
            bar.addPermanentWidget(widget)
        self.fal.setText(_dot(None, "fal key"))
        self.openai.setText(_dot(None, "OpenAI key"))
        self.ffmpeg.setText(_dot(None, "ffmpeg"))
        self.show_jobs(0, 0)

    def show_health(self, health: Health) -> None:
        for widget, service, name in (
            (self.fal, "fal", "fal key"),
            (self.openai, "openai", "OpenAI key"),
        ):
            info = health.keys[service]
            # A missing key is a choice (Local Preview needs none), not a fault: grey, not red.
            widget.setText(_dot(True if info.configured else None, name))
            widget.setToolTip(f"{name}: {info.where}")
        self.ffmpeg.setText(_dot(health.ffmpeg_found, "ffmpeg"))
        self.ffmpeg.setToolTip(health.ffmpeg_detail)

    def show_jobs(self, running: int, queued: int) -> None:
        text = f"{running} running" + (f" · {queued} queued" if queued else "")
        self.jobs.setText(_dot(True if running else None, text))
        self.jobs.setToolTip("Jobs in the generation queue")


class Notifier:
    """A system-tray message where the desktop has a tray, else the status bar."""

    def __init__(self, window: QMainWindow, icon: QIcon) -> None:
        self.window = window
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon, window)
            self.tray.setToolTip("SceneMaker")
            self.tray.show()
        self.last_message = ""

    def notify(self, title: str, message: str) -> None:
        self.last_message = f"{title} — {message}"
        self.window.statusBar().showMessage(self.last_message, MESSAGE_MS)
        if self.tray is not None and not self.window.isActiveWindow():
            self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 6000)
