"""The main window: the studio and the session browser, the queue, settings, and closing well."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QMainWindow,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.health import Health, check_health
from scenemaker_desktop.engine.sessions.model import Session, SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.studio import Studio
from scenemaker_desktop.gui.images import load_thumbnail
from scenemaker_desktop.gui.job_queue import Job, JobQueue, JobStatus
from scenemaker_desktop.gui.preview_panel import SessionView, load_session_view
from scenemaker_desktop.gui.session_browser import SessionBrowser, SessionRow, load_rows
from scenemaker_desktop.gui.settings_dialog import SavedSettings, SettingsDialog
from scenemaker_desktop.gui.status_bar import HealthBar, Notifier
from scenemaker_desktop.gui.studio_page import StudioPage
from scenemaker_desktop.gui.theme import apply_theme, icon
from scenemaker_desktop.gui.widgets import label
from scenemaker_desktop.gui.worker import TaskRunner, user_message

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_MS = 8000


class MainWindow(QMainWindow):
    def __init__(self, studio: Studio) -> None:
        super().__init__()
        self.studio = studio
        self.setObjectName("mainWindow")
        self.setWindowTitle("SceneMaker")
        self.setWindowIcon(icon("app", "text", 64))
        self.tasks = TaskRunner(3, self)
        self.queue = JobQueue(studio, studio.settings.parallel_jobs, self)
        self.studio_page = StudioPage(studio, self.tasks)
        self.browser = SessionBrowser()
        self.settings_dialog: SettingsDialog | None = None
        self.current_job: Job | None = None
        self.shutdown_clean = True
        self._closed = False
        self._build()
        self._connect()
        self._restore()
        self.notifier = Notifier(self, self.windowIcon())
        self.health = HealthBar(self.statusBar())
        QTimer.singleShot(0, self._after_first_paint)

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.pages = QStackedWidget()
        self.pages.addWidget(self.studio_page)
        self.pages.addWidget(self.browser)
        self.setCentralWidget(self.pages)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self._top_bar())
        self.setMinimumSize(1100, 700)

    def _top_bar(self) -> QToolBar:
        bar = QToolBar("Navigation")
        bar.setObjectName("topBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setIconSize(QSize(18, 18))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.toggleViewAction().setVisible(False)
        brand = label("SceneMaker", "brand")
        bar.addWidget(brand)
        group = QActionGroup(self)
        self.studio_action = self._nav(bar, group, "studio", "Studio", self.show_studio)
        self.sessions_action = self._nav(bar, group, "sessions", "Sessions", self.show_sessions)
        self.studio_action.setChecked(True)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.settings_action = QAction(icon("settings", "muted"), "Settings", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.open_settings)
        bar.addAction(self.settings_action)
        return bar

    def _nav(self, bar: QToolBar, group: QActionGroup, name: str, text: str, slot) -> QAction:
        action = QAction(icon(name, "muted"), text, self)
        action.setCheckable(True)
        action.triggered.connect(slot)
        group.addAction(action)
        bar.addAction(action)
        return action

    def _connect(self) -> None:
        page = self.studio_page
        page.generate_requested.connect(self.generate)
        page.jobs.cancel_requested.connect(self.queue.cancel)
        page.jobs.retry_requested.connect(self.queue.retry)
        page.jobs.job_selected.connect(self.show_job)
        page.preview.open_folder_requested.connect(self.reveal)
        page.preview.export_requested.connect(self.export)
        self.queue.job_added.connect(page.jobs.add_job)
        self.queue.job_changed.connect(self._job_changed)
        self.queue.chain_finished.connect(self._chain_finished)
        self.queue.job_finished.connect(self._job_finished)
        self.browser.refresh_requested.connect(self.refresh_sessions)
        self.browser.open_requested.connect(self.open_session)
        self.browser.resume_requested.connect(self.resume)
        self.browser.remix_requested.connect(self.remix)
        self.browser.reveal_requested.connect(self.reveal)
        self.browser.delete_requested.connect(self.delete_session)
        shortcuts = {
            "Ctrl+Return": page.generate,
            "Ctrl+Enter": page.generate,
            "Esc": self.cancel_selected,
            "Ctrl+O": page.drop_zone.browse,
        }
        for keys, slot in shortcuts.items():
            QShortcut(QKeySequence(keys), self, activated=slot)
        QShortcut(QKeySequence.StandardKey.Paste, self, activated=self.paste)

    def _after_first_paint(self) -> None:
        self.refresh_health()
        self.refresh_sessions(announce=True)
        QTimer.singleShot(150, self.studio_page.preview.player.warm_up)

    # -- settings memory ---------------------------------------------------------------

    def _restore(self) -> None:
        settings = self.studio.settings
        if settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(settings.window_geometry.encode()))
        else:
            self.resize(1480, 920)
        model = settings.last_model or self.studio.settings.default_model or "local"
        try:
            self.studio_page.model.restore(dict(settings.last_params), model)
        except Exception:  # an old or hand-edited settings file must not stop the app
            log.warning("could not restore the last parameters", exc_info=True)

    def remember(self) -> None:
        settings = self.studio.settings
        settings.window_geometry = bytes(self.saveGeometry().toBase64()).decode()
        settings.last_model = self.studio_page.model.model_id()
        settings.last_params = self.studio_page.model.remembered()

    # -- pages -------------------------------------------------------------------------

    def show_studio(self) -> None:
        self.studio_action.setChecked(True)
        self.pages.setCurrentWidget(self.studio_page)

    def show_sessions(self) -> None:
        self.sessions_action.setChecked(True)
        self.pages.setCurrentWidget(self.browser)
        self.refresh_sessions()

    # -- generating --------------------------------------------------------------------

    def load_image(self, path: Path) -> None:
        self.studio_page.load_image(Path(path))

    def paste(self) -> None:
        mime = QApplication.clipboard().mimeData()
        if mime is None or not self.studio_page.drop_zone.accept_mime(mime):
            self.statusBar().showMessage("The clipboard holds no image or image file", 5000)

    def generate(self, image: Path, request: GenerationRequest) -> Job:
        job = self.queue.generate(image, request)
        self.show_studio()
        return job

    def cancel_selected(self) -> None:
        job = self.studio_page.jobs.selected_job()
        if job is not None:
            self.queue.cancel(job)

    def resume(self, session: Session) -> None:
        self.queue.resume(session)
        self.show_studio()

    def show_job(self, job: Job) -> None:
        self.current_job = job
        preview = self.studio_page.preview
        if job.session_id is None:
            chains = job.request.chains if job.request else 0
            preview.start(job.title, job.subtitle, chains)
            return
        self._show_session_view(job.session_id, autoplay=False)

    def _job_changed(self, job: Job) -> None:
        self.studio_page.jobs.update_job(job)
        running = self.queue.running_count()
        queued = sum(
            1 for j in self.queue.jobs if j.status in (JobStatus.QUEUED, JobStatus.PREPARING)
        )
        self.health.show_jobs(running, queued)

    def _chain_finished(self, job: Job, event) -> None:
        if job is not self.current_job:
            return
        preview = self.studio_page.preview
        self.tasks.submit(
            lambda: load_thumbnail(event.thumbnail),
            lambda image: preview.chain_ready(event.chain_index, image, event.video, event.prompt),
        )

    def _job_finished(self, job: Job) -> None:
        verb = {
            JobStatus.COMPLETED: "finished",
            JobStatus.FAILED: "failed",
            JobStatus.CANCELLED: "was cancelled",
            JobStatus.INTERRUPTED: "was interrupted",
        }.get(job.status, "stopped")
        detail = job.error if job.status is JobStatus.FAILED and job.error else job.subtitle
        self.notifier.notify(f"“{_short(job.title)}” {verb}", detail)
        if job is self.current_job and job.session_id:
            self._show_session_view(job.session_id, autoplay=job.status is JobStatus.COMPLETED)
        if self.pages.currentWidget() is self.browser:
            self.refresh_sessions()

    # -- sessions ----------------------------------------------------------------------

    def _show_session_view(self, session_id: str, autoplay: bool) -> None:
        store = self.studio.store

        def shown(view: SessionView) -> None:
            self.studio_page.preview.show_session(view, autoplay=autoplay)

        self.tasks.submit(
            lambda: load_session_view(store, session_id),
            shown,
            lambda error: self.statusBar().showMessage(user_message(error), 8000),
        )

    def refresh_sessions(self, announce: bool = False) -> None:
        store = self.studio.store

        def listed(rows: list[SessionRow]) -> None:
            self.browser.set_rows(rows)
            if announce:
                self._announce_interrupted(rows)

        self.tasks.submit(lambda: load_rows(store), listed)

    def _announce_interrupted(self, rows: list[SessionRow]) -> None:
        stopped = [
            r
            for r in rows
            if r.listing.session and r.listing.session.status is SessionStatus.INTERRUPTED
        ]
        if stopped:
            count = len(stopped)
            self.statusBar().showMessage(
                f"{count} interrupted session{'s' if count != 1 else ''} — resume from Sessions",
                15000,
            )

    def open_session(self, session_id: str) -> None:
        self.current_job = self.queue.job_for_session(session_id)
        self.studio_page.jobs.clearSelection()
        self._show_session_view(session_id, autoplay=True)
        self.show_studio()

    def remix(self, session: Session) -> None:
        self.studio_page.remix(session, self.studio.store.folder(session.id))
        self.show_studio()

    def delete_session(self, session_id: str) -> None:
        store = self.studio.store
        preview = self.studio_page.preview
        if preview.session_id == session_id:
            preview.clear()

        def deleted(_: object) -> None:
            self.statusBar().showMessage(f"Deleted session {session_id}", 5000)
            self.refresh_sessions()

        def refused(error: BaseException) -> None:
            self.statusBar().showMessage(user_message(error), 8000)

        self.tasks.submit(lambda: store.delete(session_id), deleted, refused)

    def reveal(self, folder: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def export(self, video: Path) -> None:
        default = str(Path.home() / f"{video.parent.parent.name}-{video.name}")
        if video.parent.name != "chains":
            default = str(Path.home() / f"{video.parent.name}-{video.name}")
        target, _ = QFileDialog.getSaveFileName(self, "Export video", default, "MP4 video (*.mp4)")
        if not target:
            return
        self.tasks.submit(
            lambda: shutil.copyfile(video, target),
            lambda _: self.statusBar().showMessage(f"Exported to {target}", 8000),
            lambda error: self.statusBar().showMessage(f"Export failed: {error}", 8000),
        )

    # -- settings and health -----------------------------------------------------------

    def refresh_health(self) -> None:
        secrets, root = self.studio.secrets, self.studio.store.root
        self.tasks.submit(lambda: check_health(secrets, root), self._show_health)

    def _show_health(self, health: Health) -> None:
        self.health.show_health(health)
        self.studio_page.fal_ready = health.fal_configured
        self.studio_page.revalidate()

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.studio, self.tasks, self)
        dialog.saved.connect(self._settings_saved)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog
        dialog.open()
        return dialog

    def _settings_saved(self, saved: SavedSettings) -> None:
        studio = self.studio
        studio.settings = saved.settings
        studio.store = SessionStore(studio.paths.sessions_dir(saved.settings))
        self.queue.set_parallel(saved.settings.parallel_jobs)
        apply_theme(QApplication.instance(), saved.settings.theme)
        self.refresh_health()
        self.refresh_sessions()
        self.statusBar().showMessage("Settings saved", 5000)

    # -- closing -----------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._closed = True
            self.shutdown_clean = self.queue.shutdown(SHUTDOWN_WAIT_MS)
            self.studio_page.preview.player.stop()
            self.tasks.wait(2000)
            self.remember()
            try:
                self.studio.settings.save(self.studio.paths.settings_file)
            except Exception as exc:
                log.warning("settings not saved: %s", exc)
        event.accept()


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
