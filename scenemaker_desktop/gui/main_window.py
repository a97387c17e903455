"""The main window: its frame, the two pages, settings, and closing well.

Startup is staged so the window paints at once: the frame (top bar, status
bar, remembered geometry) needs only Qt and the settings file; ``attach``
then imports the engine and builds the pages on the next turn of the event
loop. ``MainWindow(engine)`` does both at once (tests, tools).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSize, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.gui.startup_prefs import StartupPrefs
from scenemaker_desktop.gui.status_bar import HealthBar, Notifier
from scenemaker_desktop.gui.theme import apply_theme, bind_icon, icon, system_variant

if TYPE_CHECKING:
    from scenemaker_desktop.engine.facade import Engine
    from scenemaker_desktop.engine.health import Health
    from scenemaker_desktop.engine.settings import Settings
    from scenemaker_desktop.gui.session_controller import SessionController
    from scenemaker_desktop.gui.settings_dialog import SettingsDialog

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_MS = 8000
MIN_SIZE = QSize(1024, 640)
"""A small laptop screen; the studio page keeps the player usable at this size."""
DEFAULT_SIZE = QSize(1480, 920)


class _FirstPaint(QObject):
    """Calls ``then`` on the event-loop turn after ``window`` first paints, then goes away."""

    def __init__(self, window: QWidget, then) -> None:
        super().__init__(window)
        self._then = then
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self._then)
        return False


def _first_size() -> QSize:
    """The default size, or most of a smaller screen (a laptop's)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return DEFAULT_SIZE
    room = screen.availableGeometry().size() * 0.92
    return DEFAULT_SIZE.boundedTo(room).expandedTo(MIN_SIZE)


class MainWindow(QMainWindow):
    attached = Signal()
    """The pages are built and the engine is wired (emitted once)."""

    def __init__(self, engine: Engine | None = None, prefs: StartupPrefs | None = None) -> None:
        super().__init__()
        self.engine: Engine | None = None
        self.settings: Settings | None = engine.settings if engine is not None else None
        self.settings_dialog: SettingsDialog | None = None
        self.controller: SessionController | None = None
        self.shutdown_clean = True
        self._health_checks = 0
        self._closed = False
        self._pending_image: Path | None = None
        self._first_paint: _FirstPaint | None = None
        self.setObjectName("mainWindow")
        self.setWindowTitle("SceneMaker")
        self.setWindowIcon(icon("app", "text", 64))
        self.setMinimumSize(MIN_SIZE)
        self.pages = QStackedWidget()
        centre = QWidget()
        self._centre = QVBoxLayout(centre)
        self._centre.setContentsMargins(0, 0, 0, 0)
        self._centre.setSpacing(0)
        self._centre.addWidget(self.pages, 1)
        self.setCentralWidget(centre)
        self.addToolBar(self._top_bar())
        self.health = HealthBar(self.statusBar())
        prefs = prefs or StartupPrefs()
        self._restore_geometry(engine.settings.window_geometry if engine else prefs.window_geometry)
        if engine is not None:
            self.attach(engine)

    @classmethod
    def starting(cls, prefs: StartupPrefs) -> MainWindow:
        """The frame now, the rest right after it has painted (how the app starts)."""
        window = cls(prefs=prefs)
        window._first_paint = _FirstPaint(window, window._attach_from_environment)
        return window

    def _attach_from_environment(self) -> None:
        from scenemaker_desktop.engine.facade import Engine

        if not self._closed:
            self.attach(Engine.from_environment())

    # -- the frame ---------------------------------------------------------------------

    def _top_bar(self) -> QToolBar:
        bar = QToolBar("Navigation")
        bar.setObjectName("topBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setFixedHeight(52)
        bar.setIconSize(QSize(18, 18))
        bar.toggleViewAction().setVisible(False)
        logo = QLabel()
        logo.setPixmap(icon("app", "text", 26).pixmap(QSize(26, 26)))
        logo.setContentsMargins(6, 0, 8, 0)
        bar.addWidget(logo)
        brand = QLabel("SceneMaker")
        brand.setObjectName("brand")
        bar.addWidget(brand)
        group = QActionGroup(self)
        self.studio_action = self._nav(bar, group, "studio", "Studio", self.show_studio)
        self.sessions_action = self._nav(bar, group, "sessions", "Sessions", self.show_sessions)
        self.studio_action.setChecked(True)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.settings_action = QAction("Settings", self)
        bind_icon(self.settings_action, "settings", "muted")
        self.settings_action.triggered.connect(self.open_settings)
        bar.addAction(self.settings_action)
        self.about_action = QAction("About", self)
        self.about_action.triggered.connect(self.show_about)
        bar.addAction(self.about_action)
        for action in (self.sessions_action, self.settings_action):
            action.setEnabled(False)  # until attach
        return bar

    def about_text(self) -> str:
        from scenemaker_desktop import __version__

        return (
            f"<h3>SceneMaker {__version__}</h3>"
            "<p>One still image becomes a longer, coherent video: chained image-to-video clips, "
            "each seeded by a frame of the one before, assembled into one film.</p>"
            "<p>Local Preview works offline; WAN 2.1, Pixverse v3.5, LUMA Ray2 and Kling 2.1 PRO "
            "run on fal.ai.</p>"
        )

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(self, "About SceneMaker", self.about_text())

    def _nav(self, bar: QToolBar, group: QActionGroup, name: str, text: str, slot) -> QAction:
        action = QAction(text, self)
        bind_icon(action, name, "muted")
        action.setCheckable(True)
        action.triggered.connect(slot)
        group.addAction(action)
        bar.addAction(action)
        return action

    def _restore_geometry(self, geometry: str) -> None:
        if not geometry or not self.restoreGeometry(QByteArray.fromBase64(geometry.encode())):
            self.resize(_first_size())

    # -- the pages ---------------------------------------------------------------------

    def attach(self, engine: Engine) -> None:
        """Build the pages around ``engine`` and start the background checks."""
        from scenemaker_desktop.gui.job_queue import JobQueue
        from scenemaker_desktop.gui.recovery_banner import RecoveryBanner
        from scenemaker_desktop.gui.session_browser import SessionBrowser
        from scenemaker_desktop.gui.session_controller import SessionController
        from scenemaker_desktop.gui.studio_page import StudioPage
        from scenemaker_desktop.gui.worker import TaskRunner

        self.engine, self.settings = engine, engine.settings
        self.notifier = Notifier(self, self.windowIcon())
        self._follow_system_theme()
        self.tasks = TaskRunner(3, self)
        self.queue = JobQueue(engine, engine.settings.parallel_jobs, self)
        self.studio_page = StudioPage(engine, self.tasks)
        self.browser = SessionBrowser()
        self.banner = RecoveryBanner()
        self._centre.insertWidget(0, self.banner)
        self.pages.addWidget(self.studio_page)
        self.pages.addWidget(self.browser)
        self.controller = SessionController(
            self, engine, self.tasks, self.queue, self.studio_page, self.browser
        )
        self._bind_shortcuts()
        self._restore_params()
        for action in (self.sessions_action, self.settings_action):
            action.setEnabled(True)
        self.refresh_health()
        self.controller.refresh_sessions(announce=True)
        player = self.studio_page.preview.player
        QTimer.singleShot(150, player, player.warm_up)
        if self._pending_image is not None:
            self.studio_page.load_image(self._pending_image)
        self.attached.emit()

    def _follow_system_theme(self) -> None:
        """Check the first frame's guess at the desktop's scheme, and follow it from now on."""
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._system_theme_changed)
        self._system_theme_changed()

    def _system_theme_changed(self, *_: object) -> None:
        self.settings.system_theme = variant = system_variant()
        app = QApplication.instance()
        if app.property("themeName") == "system" and app.property("themeVariant") != variant:
            apply_theme(app, "system", system=variant)

    def _bind_shortcuts(self) -> None:
        page, controller = self.studio_page, self.controller
        shortcuts = {
            "Ctrl+Return": page.generate,
            "Ctrl+Enter": page.generate,
            "Esc": controller.cancel_selected,
            "Ctrl+O": page.drop_zone.browse,
            "Ctrl+R": page.planning.replan,
        }
        for keys, slot in shortcuts.items():
            QShortcut(QKeySequence(keys), self, activated=slot)
        # Not set with the frame: a QKeySequence builds the Qt enums (see theme's docstring).
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.about_action.setShortcut(QKeySequence("F1"))
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)

    @property
    def is_attached(self) -> bool:
        return self.engine is not None

    def _restore_params(self) -> None:
        # With no model used yet, the form waits for the health check's default model.
        model = self.settings.last_model or self.settings.default_model
        try:
            self.studio_page.model.restore(dict(self.settings.last_params), model)
        except Exception:  # an old or hand-edited settings file must not stop the app
            log.warning("could not restore the last parameters", exc_info=True)
        self.studio_page.planning.restore(dict(self.settings.storyboard))

    def remember(self) -> None:
        """Put geometry and the last-used parameters into the settings (saved on close)."""
        if not self.is_attached:
            return  # closed before the engine was wired: nothing changed worth saving
        self.settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        self.settings.last_model = self.studio_page.model.model_id()
        self.settings.last_params = self.studio_page.model.remembered()
        self.settings.storyboard = self.studio_page.planning.saved()

    def show_studio(self) -> None:
        self.studio_action.setChecked(True)
        if self.is_attached:
            self.pages.setCurrentWidget(self.studio_page)

    def show_sessions(self) -> None:
        if not self.is_attached:
            return
        self.sessions_action.setChecked(True)
        self.pages.setCurrentWidget(self.browser)
        self.controller.refresh_sessions()

    # -- input and generating ----------------------------------------------------------

    def load_image(self, path: Path) -> None:
        if self.is_attached:
            self.studio_page.load_image(Path(path))
        else:
            self._pending_image = Path(path)

    def open_from_desktop(self, path: str) -> None:
        """A file the desktop asked us to open (see gui.app.SceneMakerApplication)."""
        self.load_image(Path(path))
        self.raise_()
        self.activateWindow()

    def paste(self) -> None:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not self.studio_page.drop_zone.accept_mime(mime):
            self.statusBar().showMessage("The clipboard holds no image or image file", 5000)

    def open_session(self, session_id: str) -> None:
        """Show a stored session in the studio (as the browser's Open does)."""
        self.controller.open_session(session_id)

    # -- settings and health -----------------------------------------------------------

    def refresh_health(self) -> None:
        # Checks overlap (ffmpeg runs in each); only the latest one's answer is shown.
        self._health_checks += 1
        check = self._health_checks

        def show(health: Health) -> None:
            if check == self._health_checks:
                self._show_health(health)

        self.tasks.submit(self.engine.health, show)

    def _show_health(self, health: Health) -> None:
        first_check = self.studio_page.fal_ready is None
        self.health.show_health(health)
        self.studio_page.fal_ready = health.key_configured("fal")
        if first_check and not self.settings.last_model:
            self.studio_page.model.set_model(health.default_model)
        self.studio_page.revalidate()

    def open_settings(self) -> SettingsDialog | None:
        if not self.is_attached:
            return None
        from PySide6.QtCore import Qt  # not at the top: see theme's docstring

        from scenemaker_desktop.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.engine, self.tasks, self)
        dialog.saved.connect(self._settings_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _settings_saved(self, settings: Settings) -> None:
        """The dialog saved ``settings`` through the engine; the window follows them."""
        self.settings = settings
        self.queue.set_parallel(settings.parallel_jobs)
        apply_theme(QApplication.instance(), settings.theme)
        self.refresh_health()
        self.controller.refresh_sessions()
        self.statusBar().showMessage("Settings saved", 5000)

    # -- closing -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed and not self._may_close():
            event.ignore()
            return
        if not self._closed:
            self._closed = True
            self._stop_work()
            self.remember()
            self._save_settings()
        event.accept()

    def _may_close(self) -> bool:
        """Paid jobs are rendering: quit only once the artist agrees."""
        if not self.is_attached:
            return True
        from scenemaker_desktop.engine.sessions.model import SessionStatus
        from scenemaker_desktop.gui.confirm import quit_question

        paid = [j for j in self.queue.active() if j.paid and j.status is SessionStatus.RUNNING]
        if not paid:
            return True
        return self.controller.agreed(quit_question(len(paid), sum(j.cost_usd for j in paid)))

    def _stop_work(self) -> None:
        if not self.is_attached:
            return
        self.shutdown_clean = self.queue.shutdown(SHUTDOWN_WAIT_MS)
        self.studio_page.preview.player.stop()
        self.tasks.wait(2000)
        if self.shutdown_clean:  # else a session may still be copying its input from there
            self.studio_page.remove_scratch()

    def _save_settings(self) -> None:
        if not self.is_attached:
            return
        try:
            self.engine.apply_settings(self.settings)
        except Exception as exc:
            log.warning("settings not saved: %s", exc)
