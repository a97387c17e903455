"""The session browser: list, open, remix, resume, reveal, export and delete."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from tests.conftest import SAMPLE_IMAGE
from tests.gui.helpers import TINY_LOCAL, WAIT_MS, stored_session


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
    final = engine.session_folder(session.id) / "final.mp4"
    # The final video is loaded one event-loop turn after the tiles (they paint first).
    qtbot.waitUntil(lambda: preview.player.source == final, timeout=WAIT_MS)
    assert preview.session_id == session.id
    assert window.pages.currentWidget() is window.studio_page
    assert preview.strip.ready_count() == 2
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
    assert page.image.name == "input.png"  # the session's copy, shown under its own name
    assert page.drop_zone.caption.full_text().startswith("sample_coast.jpg · 1920×1080")
    assert "remixed session" in page.analysis.status.text()


def test_delete_names_the_action_and_removes_the_folder_only_on_delete(
    qtbot, window, engine, dialogs
):
    session = _completed_session(engine)
    folder = engine.session_folder(session.id)
    browser = _show_sessions(qtbot, window, 1)

    dialogs.answer("Cancel")
    qtbot.mouseClick(browser.buttons["delete"], Qt.MouseButton.LeftButton)
    assert folder.is_dir()
    dialogs.answer("Delete")
    qtbot.mouseClick(browser.buttons["delete"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: browser.table.topLevelItemCount() == 0, timeout=WAIT_MS)
    assert not folder.exists()
    asked = dialogs.seen[0]
    assert asked.text == f"Delete “{session.request.action}”?"
    assert sorted(asked.buttons) == ["Cancel", "Delete"]  # their order is the platform's
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
    assert banner.message.text() == "A session was interrupted:"
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


def test_without_a_file_manager_reveal_says_so_and_copies_the_path(
    qtbot, window, engine, monkeypatch, dialogs
):
    session = _completed_session(engine)
    browser = _show_sessions(qtbot, window, 1)
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # nothing to launch
    dialogs.answer("Copy path")

    qtbot.mouseClick(browser.buttons["reveal"], Qt.MouseButton.LeftButton)

    folder = str(engine.session_folder(session.id))
    assert folder in dialogs.seen[0].details
    assert QApplication.clipboard().text() == folder


def test_export_offers_the_final_video_named_after_the_action_in_the_last_folder(
    qtbot, window, engine, monkeypatch, tmp_path
):
    session = _completed_session(engine)
    window.open_session(session.id)
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.export_button.isEnabled(), timeout=WAIT_MS)
    exports = tmp_path / "exports"
    exports.mkdir()
    offered = []

    def save_as(parent, caption, suggested, filters):
        offered.append(Path(suggested))
        return str(exports / Path(suggested).name), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)

    qtbot.mouseClick(preview.export_button, Qt.MouseButton.LeftButton)
    final_copy = exports / "slow-push-in-toward-the-sea.mp4"
    qtbot.waitUntil(final_copy.is_file, timeout=WAIT_MS)
    assert offered[0] == Path.home() / final_copy.name
    final = engine.session_folder(session.id) / "final.mp4"
    assert final_copy.read_bytes() == final.read_bytes()

    preview.export_menu.aboutToShow.emit()  # the arrow beside Export… opens this menu
    choices = [action.text() for action in preview.export_menu.actions()]
    assert choices == ["Final video", "Clip of chain 1", "Clip of chain 2"]
    preview.export_menu.actions()[2].trigger()
    clip_copy = exports / "slow-push-in-toward-the-sea-chain-2.mp4"
    qtbot.waitUntil(clip_copy.is_file, timeout=WAIT_MS)
    assert offered[1] == clip_copy  # the folder used last time
    assert engine.settings.export_dir == str(exports)


def test_the_filter_keeps_selection_details_and_count_in_step(qtbot, window, engine):
    sea = _completed_session(engine)
    fog = engine.create_session(
        SAMPLE_IMAGE, build_request("local", "she walks into the fog", 1, TINY_LOCAL)
    )
    browser = _show_sessions(qtbot, window, 2)
    browser.select(sea.id)
    assert browser.count.text() == "2 sessions"

    qtbot.keyClicks(browser.search, "fog")

    assert browser.count.text() == "1 of 2 sessions"
    assert browser.selected_id() == fog.id  # the hidden selection moved to what is shown
    assert browser.detail_title.text() == "she walks into the fog"
    qtbot.keyClicks(browser.search, "zzz")
    assert browser.count.text() == "0 of 2 sessions"
    assert browser.selected_id() is None
    assert browser.detail_title.text() == "No session matches “fogzzz”"
    assert not browser.buttons["delete"].isEnabled() and not browser.buttons["open"].isEnabled()
    browser.search.clear()
    assert browser.count.text() == "2 sessions" and browser.selected_id() is not None
