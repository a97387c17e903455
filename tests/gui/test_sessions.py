"""The session browser: list, open, remix, resume, reveal, export and delete."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from tests.gui.helpers import WAIT_MS, stored_session


def _completed_session(engine):
    session = stored_session(engine, chains=2)
    return engine.run_session(session.id)


def _show_sessions(qtbot, window, count: int):
    window.show_sessions()
    table = window.browser.table
    qtbot.waitUntil(lambda: table.topLevelItemCount() == count, timeout=WAIT_MS)
    return window.browser


def test_the_browser_lists_sessions_with_model_chains_status_and_cost(qtbot, window, engine):
    session = _completed_session(engine)

    browser = _show_sessions(qtbot, window, 1)

    item = browser.table.topLevelItem(0)
    assert item.text(0) == "slow push in toward the sea"
    assert [item.text(c) for c in (2, 3, 4, 5)] == ["Local Preview", "2/2", "completed", "$0.00"]
    assert not item.icon(0).isNull()
    assert browser.selected_id() == session.id
    assert not browser.buttons["resume"].isEnabled()


def test_open_shows_the_sessions_previews_and_parameters(qtbot, window, engine):
    session = _completed_session(engine)
    browser = _show_sessions(qtbot, window, 1)

    qtbot.mouseClick(browser.buttons["open"], Qt.MouseButton.LeftButton)

    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.session_id == session.id, timeout=WAIT_MS)
    assert window.pages.currentWidget() is window.studio_page
    assert preview.strip.ready_count() == 2
    assert preview.player.source == engine.session_folder(session.id) / "final.mp4"
    assert "Resolution 360p" in preview.params.text()
    assert "Frames per second 12" in preview.params.text()


def test_remix_loads_the_sessions_parameters_into_the_form(qtbot, window, engine):
    _completed_session(engine)
    browser = _show_sessions(qtbot, window, 1)
    page = window.studio_page
    page.model.set_model("wan")

    qtbot.mouseClick(browser.buttons["remix"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: page.image is not None, timeout=WAIT_MS)
    assert page.model.model_id() == "local"
    values = page.model.overrides()
    assert (values["resolution"], values["duration"], values["fps"], values["chains"]) == (
        "360p",
        2,
        12,
        2,
    )
    assert page.analysis.action_text() == "slow push in toward the sea"
    assert page.analysis.fields["theme"].text()
    assert page.image.name == "input.png"


def test_delete_asks_first_and_removes_the_folder_only_when_confirmed(
    qtbot, window, engine, monkeypatch
):
    session = _completed_session(engine)
    folder = engine.session_folder(session.id)
    browser = _show_sessions(qtbot, window, 1)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes]
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[2])
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", answer)

    qtbot.mouseClick(browser.buttons["delete"], Qt.MouseButton.LeftButton)
    assert folder.is_dir()
    qtbot.mouseClick(browser.buttons["delete"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: browser.table.topLevelItemCount() == 0, timeout=WAIT_MS)
    assert not folder.exists()
    assert session.id in asked[0]
    assert browser.empty.isVisibleTo(browser)


def test_a_session_left_running_shows_as_interrupted_and_resumes(qtbot, window, engine):
    session = stored_session(engine, chains=2)
    session.status = SessionStatus.RUNNING  # the app that ran it died without a word
    SessionStore(engine.sessions_dir).save(session)
    browser = _show_sessions(qtbot, window, 1)

    assert browser.table.topLevelItem(0).text(4) == "interrupted"
    assert browser.buttons["resume"].isEnabled()
    qtbot.mouseClick(browser.buttons["resume"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(
        lambda: bool(window.queue.jobs) and window.queue.jobs[0].status.finished, timeout=WAIT_MS
    )
    assert window.queue.jobs[0].status.value == "completed"
    assert engine.load_session(session.id).status is SessionStatus.COMPLETED


def test_interrupted_sessions_wait_in_a_banner_with_resume_until_resumed(qtbot, themed, engine):
    from scenemaker_desktop.gui.main_window import MainWindow

    session = stored_session(engine)
    session.status = SessionStatus.RUNNING  # a crash left it so
    SessionStore(engine.sessions_dir).save(session)

    win = MainWindow(engine)
    qtbot.addWidget(win)
    win.show()

    banner = win.banner
    qtbot.waitUntil(lambda: banner.isVisible(), timeout=WAIT_MS)
    assert "This session was interrupted" in banner.message.text()
    qtbot.wait(200)
    win.show_sessions()  # still there on the other page, and after the status bar moved on
    assert banner.isVisible() and list(banner.entries) == [session.id]
    resume = banner.entries[session.id].findChild(QPushButton)
    qtbot.mouseClick(resume, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: not banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(
        lambda: bool(win.queue.jobs) and win.queue.jobs[0].status.finished, timeout=WAIT_MS
    )
    assert engine.load_session(session.id).status is SessionStatus.COMPLETED
    assert win.pages.currentWidget() is win.studio_page
    win.close()


def test_reveal_opens_the_session_folder_in_the_file_manager(qtbot, window, engine, monkeypatch):
    session = _completed_session(engine)
    browser = _show_sessions(qtbot, window, 1)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)

    qtbot.mouseClick(browser.buttons["reveal"], Qt.MouseButton.LeftButton)

    assert [Path(url.toLocalFile()) for url in opened] == [engine.session_folder(session.id)]


def test_export_saves_a_copy_of_the_video_where_the_user_chooses(
    qtbot, window, engine, monkeypatch, tmp_path
):
    session = _completed_session(engine)
    window.open_session(session.id)
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.export_button.isEnabled(), timeout=WAIT_MS)
    target = tmp_path / "exports" / "coast.mp4"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))

    qtbot.mouseClick(preview.export_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(target.is_file, timeout=WAIT_MS)
    final = engine.session_folder(session.id) / "final.mp4"
    assert target.read_bytes() == final.read_bytes()
