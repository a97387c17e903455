"""What connects the studio page, the queue and the session browser.

The controller wires signals to actions and hands disk work to the task runner.
Widgets are told what to show through their own methods; the controller never
reaches into their parts. Everything here runs on the GUI thread. Engine-side
modules are imported inside the methods that need them: the window's frame must
paint before any of them loads (see main_window).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from scenemaker_desktop.gui.widgets import short
from scenemaker_desktop.gui.worker import user_message

if TYPE_CHECKING:
    from scenemaker_desktop.engine.catalog import GenerationRequest
    from scenemaker_desktop.engine.facade import Engine
    from scenemaker_desktop.engine.sessions.model import Session
    from scenemaker_desktop.engine.story.plan import StoryPlan
    from scenemaker_desktop.gui.confirm import SpendQuestion
    from scenemaker_desktop.gui.job import Job
    from scenemaker_desktop.gui.job_queue import JobQueue
    from scenemaker_desktop.gui.main_window import MainWindow
    from scenemaker_desktop.gui.preview_panel import SessionView
    from scenemaker_desktop.gui.session_browser import SessionBrowser, SessionRow
    from scenemaker_desktop.gui.studio_page import StudioPage
    from scenemaker_desktop.gui.worker import TaskRunner

MESSAGE_MS = 8000
_VERBS = {
    "completed": "finished",
    "failed": "failed",
    "cancelled": "was cancelled",
    "interrupted": "was interrupted",
}


class SessionController(QObject):
    """Jobs and stored sessions: show, open, resume, remix, reveal, export and delete."""

    def __init__(
        self,
        window: MainWindow,
        engine: Engine,
        tasks: TaskRunner,
        queue: JobQueue,
        page: StudioPage,
        browser: SessionBrowser,
    ) -> None:
        super().__init__(window)
        self.window, self.engine, self.tasks = window, engine, tasks
        self.queue, self.page, self.browser = queue, page, browser
        self._connect()

    def _connect(self) -> None:
        page, queue, browser = self.page, self.queue, self.browser
        page.generate_requested.connect(self.generate)
        page.jobs.cancel_requested.connect(self.cancel)
        page.jobs.retry_requested.connect(self.retry)
        page.jobs.job_selected.connect(self.show_job)
        page.preview.open_folder_requested.connect(self.reveal)
        page.preview.export_requested.connect(self.export)
        page.preview.regenerate_requested.connect(self.regenerate)
        page.storyboard.render_requested.connect(self.render_draft)
        queue.job_added.connect(page.jobs.add_job)
        queue.job_added.connect(lambda job: job.ended.connect(lambda: self._job_ended(job)))
        queue.counts_changed.connect(self.window.health.show_jobs)
        browser.refresh_requested.connect(self.refresh_sessions)
        browser.open_requested.connect(self.open_session)
        browser.resume_requested.connect(self.resume)
        browser.remix_requested.connect(self.remix)
        browser.reveal_requested.connect(self.reveal)
        browser.delete_requested.connect(self.delete_session)
        self.window.banner.resume_requested.connect(self.resume)
        self.window.banner.show_all_requested.connect(self.show_interrupted)

    def _say(self, message: str) -> None:
        self.window.statusBar().showMessage(message, MESSAGE_MS)

    # -- jobs --------------------------------------------------------------------------

    def generate(
        self, image: Path, request: GenerationRequest, plan: StoryPlan | None = None
    ) -> Job:
        job = self.queue.generate(image, request, plan)
        self.page.planning.follow(job)
        self.window.show_studio()
        return job

    def render_draft(self) -> None:
        """Render the draft the storyboard shows on the chosen cloud model, once agreed."""
        from scenemaker_desktop.engine.catalog import CHAINS_PARAM, estimate_cost
        from scenemaker_desktop.engine.errors import SceneMakerError
        from scenemaker_desktop.engine.story.drafts import render_request
        from scenemaker_desktop.gui.confirm import render_question

        draft, model = self.page.storyboard.draft, self.page.model
        if draft is None:
            return
        model_id = model.model_id()
        # The draft's plan decides the chain count.
        overrides = {k: v for k, v in model.overrides().items() if k != CHAINS_PARAM.key}
        try:
            cost = estimate_cost(render_request(draft, model_id, overrides)).total_usd
        except SceneMakerError as exc:
            self._say(str(exc))
            return
        if not self.agreed(render_question(draft, model.spec().display_name, cost)):
            return
        engine = self.engine
        self.tasks.submit(
            lambda: engine.render_draft(draft.id, model_id, overrides),
            self._run_render,
            lambda error: self._say(user_message(error)),
        )

    def _run_render(self, session: Session) -> None:
        job = self.queue.resume(session)
        self.page.planning.follow(job)
        self.page.jobs.select_job(job)
        self._say(f"Rendering draft {session.draft_of} as session {session.id}")

    def show_job(self, job: Job) -> None:
        self.page.preview.follow(job)
        if job.session_id is not None:
            self._show_session_view(job.session_id, autoplay=False)

    def cancel_selected(self) -> None:
        job = self.page.jobs.selected_job()
        if job is not None:
            self.cancel(job)

    def cancel(self, job: Job) -> None:
        """Cancel ``job``; on a paid model that is rendering, only once the artist agrees."""
        from scenemaker_desktop.engine.sessions.model import SessionStatus
        from scenemaker_desktop.gui.confirm import cancel_question

        if not job.can_cancel:
            return
        if job.paid and job.status is SessionStatus.RUNNING:
            question = cancel_question(job.title, job.request.spec.display_name, job.cost_usd)
            if not self.agreed(question):
                return
        self.queue.cancel(job)

    def retry(self, job: Job) -> None:
        if not job.can_retry:
            return
        if not job.paid or job.session_id is None:  # failed before anything was made
            self.queue.retry(job)
            return
        self._after_agreeing(job.session_id, job.retry_label, lambda _: self.queue.retry(job))

    def resume(self, session: Session) -> None:
        """Go on with a stored session, on its own queue row (asking first when it costs)."""
        self._after_agreeing(session.id, "Resume", self._resume_now)

    def regenerate(self, session_id: str, index: int) -> None:
        """Make chain ``index`` and the chains after it again (asking first when it costs)."""
        from scenemaker_desktop.engine.catalog import estimate_cost
        from scenemaker_desktop.gui.confirm import regenerate_question

        engine = self.engine

        def loaded(session: Session) -> None:
            paid = estimate_cost(session.request).paid
            if paid and not self.agreed(regenerate_question(session, index)):
                return
            self.tasks.submit(
                lambda: engine.regenerate_from(session_id, index),
                self._resume_now,
                lambda error: self._say(user_message(error)),
            )

        self.tasks.submit(
            lambda: engine.load_session(session_id),
            loaded,
            lambda error: self._say(user_message(error)),
        )

    def _resume_now(self, session: Session) -> None:
        self.window.banner.forget(session.id)
        self.queue.resume(session)
        self.window.show_studio()

    def _after_agreeing(self, session_id: str, verb: str, then) -> None:
        """Read the session (what it cost so far), ask when it is paid, then ``then(session)``."""
        from scenemaker_desktop.engine.catalog import estimate_cost
        from scenemaker_desktop.gui.confirm import run_again_question

        def loaded(session: Session) -> None:
            if not estimate_cost(session.request).paid or self.agreed(
                run_again_question(session, verb)
            ):
                then(session)

        engine = self.engine
        self.tasks.submit(
            lambda: engine.load_session(session_id),
            loaded,
            lambda error: self._say(user_message(error)),
        )

    def agreed(self, question: SpendQuestion) -> bool:
        """Ask ``question`` unless the artist said not to; remember a "don't ask again"."""
        from scenemaker_desktop.gui import confirm

        settings = self.window.settings
        if not settings.confirm_spending:
            return True
        answer = confirm.ask(self.window, question)
        if answer.stop_asking:
            settings.confirm_spending = False
            engine = self.engine
            self.tasks.submit(
                lambda: engine.apply_settings(settings),
                lambda _: None,
                lambda error: self._say(user_message(error)),
            )
        return answer.proceed

    def _job_ended(self, job: Job) -> None:
        status = job.status.value
        detail = job.error if status == "failed" and job.error else job.subtitle
        self.window.notifier.notify(
            f"“{short(job.title, 48)}” {_VERBS.get(status, 'stopped')}", detail
        )
        if job is self.page.preview.job and job.session_id:
            self._show_session_view(job.session_id, autoplay=status == "completed")
        if self.window.pages.currentWidget() is self.browser:
            self.refresh_sessions()

    # -- stored sessions ---------------------------------------------------------------

    def _show_session_view(self, session_id: str, autoplay: bool) -> None:
        from scenemaker_desktop.gui.preview_panel import load_session_view

        engine, preview = self.engine, self.page.preview

        def shown(view: SessionView) -> None:
            preview.show_session(view, autoplay=autoplay)
            self.page.storyboard.show_session(view.session, view.chain_images)
            if autoplay:
                self.page.switch.show_video()

        self.tasks.submit(
            lambda: load_session_view(engine, session_id),
            shown,
            lambda error: self._say(user_message(error)),
        )

    def refresh_sessions(self, announce: bool = False) -> None:
        from scenemaker_desktop.gui.session_browser import load_rows

        engine = self.engine

        def listed(rows: list[SessionRow]) -> None:
            self.browser.set_rows(rows)
            if announce:
                self._announce_interrupted(rows)

        def work() -> list[SessionRow]:
            if announce:  # at start: first put right what killed runs left behind
                engine.tidy()
            return load_rows(engine)

        self.tasks.submit(work, listed)

    def _announce_interrupted(self, rows: list[SessionRow]) -> None:
        from scenemaker_desktop.engine.sessions.model import SessionStatus

        sessions = [row.listing.session for row in rows if row.listing.session is not None]
        interrupted = [s for s in sessions if s.status is SessionStatus.INTERRUPTED]
        self.window.banner.show_sessions(interrupted)

    def show_interrupted(self) -> None:
        self.window.show_sessions()
        self.browser.search.setText("interrupted")

    def open_session(self, session_id: str) -> None:
        self.page.preview.follow(self.queue.job_for_session(session_id))
        self.page.jobs.clearSelection()
        self._show_session_view(session_id, autoplay=True)
        self.window.show_studio()

    def remix(self, session: Session) -> None:
        self.page.remix(session, self.engine.session_folder(session.id))
        self.window.show_studio()

    def delete_session(self, session_id: str) -> None:
        engine, preview = self.engine, self.page.preview
        if preview.session_id == session_id:
            preview.clear()

        def deleted(_: object) -> None:
            self._say(f"Deleted session {session_id}")
            self.refresh_sessions()

        self.tasks.submit(
            lambda: engine.delete_session(session_id),
            deleted,
            lambda error: self._say(user_message(error)),
        )

    def reveal(self, folder: Path) -> None:
        """Show ``folder`` in the file manager; say so, with the path to copy, if none opens."""
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self._no_file_manager(folder)

    def _no_file_manager(self, folder: Path) -> None:
        from PySide6.QtWidgets import QApplication, QMessageBox

        box = QMessageBox(self.window)
        box.setObjectName("noFileManager")
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle("No file manager")
        box.setText("This system has no file manager to open the folder with.")
        box.setInformativeText(f"The session is in:\n{folder}")
        copy = box.addButton("Copy path", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(copy)
        box.exec()
        if box.clickedButton() is copy:
            QApplication.clipboard().setText(str(folder))
            self._say(f"Copied {folder}")

    def export(self, video: Path, name: str) -> None:
        """Copy ``video`` where the artist chooses, starting in the folder used last time."""
        from PySide6.QtWidgets import QFileDialog

        settings = self.window.settings
        folder = Path(settings.export_dir) if settings.export_dir else Path.home()
        if not folder.is_dir():
            folder = Path.home()
        target, _ = QFileDialog.getSaveFileName(
            self.window, "Export video", str(folder / name), "MP4 video (*.mp4)"
        )
        if not target:
            return
        settings.export_dir = str(Path(target).parent)
        engine = self.engine

        def work() -> None:
            shutil.copyfile(video, target)
            engine.apply_settings(settings)

        self.tasks.submit(
            work,
            lambda _: self._say(f"Exported to {target}"),
            lambda error: self._say(f"Export failed: {user_message(error)}"),
        )
