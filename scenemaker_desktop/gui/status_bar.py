"""The status bar's health read-out, and notifications when a job ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QSystemTrayIcon

from scenemaker_desktop.engine.secrets import SERVICES
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
        self.keys = {service.id: QLabel() for service in SERVICES}
        self.ffmpeg, self.jobs = QLabel(), QLabel()
        for widget in (*self.keys.values(), self.ffmpeg, self.jobs):
            bar.addPermanentWidget(widget)
        for service in SERVICES:
            self.keys[service.id].setText(_dot(None, f"{service.name} key"))
        self.ffmpeg.setText(_dot(None, "ffmpeg"))
        self.show_jobs(0, 0)

    def show_health(self, health: Health) -> None:
        for service in SERVICES:
            info, name = health.keys[service.id], f"{service.name} key"
            # A missing key is a choice (Local Preview needs none), not a fault: grey, not red.
            self.keys[service.id].setText(_dot(True if info.configured else None, name))
            self.keys[service.id].setToolTip(f"{name}: {info.where}")
        self.ffmpeg.setText(_dot(health.ffmpeg.found, "ffmpeg"))
        self.ffmpeg.setToolTip(health.ffmpeg.detail)

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
