"""What the main window does with jobs and stored sessions: show, open, remix, delete, export.

A mixin so the window module stays about layout and lifetime; everything here
runs on the GUI thread and hands disk work to ``self.tasks``. Engine-side
modules are imported inside the methods: the window's frame must paint before
any of them loads (see main_window).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from scenemaker_desktop.gui.worker import user_message

if TYPE_CHECKING:
    from scenemaker_desktop.engine.events import ChainFinishedEvent
    from scenemaker_desktop.engine.sessions.model import Session
    from scenemaker_desktop.gui.job_queue import Job
    from scenemaker_desktop.gui.main_window import MainWindow
    from scenemaker_desktop.gui.preview_panel import SessionView
    from scenemaker_desktop.gui.session_browser import SessionRow

_VERBS = {
    "completed": "finished",
    "failed": "failed",
    "cancelled": "was cancelled",
    "interrupted": "was interrupted",
}


class SessionActions:
    """Job and session handling for MainWindow (``self`` is the window)."""

    # -- jobs --------------------------------------------------------------------------

    def show_job(self: MainWindow, job: Job) -> None:
        self.current_job = job
        preview = self.studio_page.preview
        if job.session_id is None:
            chains = job.request.chains if job.request else 0
            preview.start(job.title, job.subtitle, chains)
            return
        self._show_session_view(job.session_id, autoplay=False)

    def _job_changed(self: MainWindow, job: Job) -> None:
        from scenemaker_desktop.gui.job_queue import JobStatus

        self.studio_page.jobs.update_job(job)
        waiting = (JobStatus.QUEUED, JobStatus.PREPARING)
        queued = sum(1 for j in self.queue.jobs if j.status in waiting)
        self.health.show_jobs(self.queue.running_count(), queued)
        running = job.status is JobStatus.RUNNING and job.chain_index is not None
        if job is self.current_job and running:
            self.studio_page.preview.strip.set_running(job.chain_index, job.chain_progress)

    def _chain_finished(self: MainWindow, job: Job, event: ChainFinishedEvent) -> None:
        from scenemaker_desktop.gui.images import load_thumbnail

        if job is not self.current_job:
            return
        preview = self.studio_page.preview
        self.tasks.submit(
            lambda: load_thumbnail(event.thumbnail),
            lambda image: preview.chain_ready(event.chain_index, image, event.video, event.prompt),
        )

    def _job_finished(self: MainWindow, job: Job) -> None:
        status = job.status.value
        verb = _VERBS.get(status, "stopped")
        detail = job.error if status == "failed" and job.error else job.subtitle
        self.notifier.notify(f"“{_short(job.title)}” {verb}", detail)
        if job is self.current_job and job.session_id:
            self._show_session_view(job.session_id, autoplay=status == "completed")
        if self.pages.currentWidget() is self.browser:
            self.refresh_sessions()

    def cancel_selected(self: MainWindow) -> None:
        job = self.studio_page.jobs.selected_job()
        if job is not None:
            self.queue.cancel(job)

    def resume(self: MainWindow, session: Session) -> None:
        self.queue.resume(session)
        self.show_studio()

    # -- stored sessions ---------------------------------------------------------------

    def _show_session_view(self: MainWindow, session_id: str, autoplay: bool) -> None:
        from scenemaker_desktop.gui.preview_panel import load_session_view

        store = self.studio.store

        def shown(view: SessionView) -> None:
            self.studio_page.preview.show_session(view, autoplay=autoplay)

        self.tasks.submit(
            lambda: load_session_view(store, session_id),
            shown,
            lambda error: self.statusBar().showMessage(user_message(error), 8000),
        )

    def refresh_sessions(self: MainWindow, announce: bool = False) -> None:
        from scenemaker_desktop.gui.session_browser import load_rows

        store = self.studio.store

        def listed(rows: list[SessionRow]) -> None:
            self.browser.set_rows(rows)
            if announce:
                self._announce_interrupted(rows)

        self.tasks.submit(lambda: load_rows(store), listed)

    def _announce_interrupted(self: MainWindow, rows: list[SessionRow]) -> None:
        count = sum(1 for row in rows if row.listing.status == "interrupted")
        if count:
            self.statusBar().showMessage(
                f"{count} interrupted session{'s' if count != 1 else ''} — resume from Sessions",
                15000,
            )

    def open_session(self: MainWindow, session_id: str) -> None:
        self.current_job = self.queue.job_for_session(session_id)
        self.studio_page.jobs.clearSelection()
        self._show_session_view(session_id, autoplay=True)
        self.show_studio()

    def remix(self: MainWindow, session: Session) -> None:
        self.studio_page.remix(session, self.studio.store.folder(session.id))
        self.show_studio()

    def delete_session(self: MainWindow, session_id: str) -> None:
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

    def reveal(self: MainWindow, folder: Path) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def export(self: MainWindow, video: Path) -> None:
        session_folder = video.parent.parent if video.parent.name == "chains" else video.parent
        default = str(Path.home() / f"{session_folder.name}-{video.name}")
        from PySide6.QtWidgets import QFileDialog

        target, _ = QFileDialog.getSaveFileName(self, "Export video", default, "MP4 video (*.mp4)")
        if not target:
            return
        self.tasks.submit(
            lambda: shutil.copyfile(video, target),
            lambda _: self.statusBar().showMessage(f"Exported to {target}", 8000),
            lambda error: self.statusBar().showMessage(f"Export failed: {error}", 8000),
        )


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
