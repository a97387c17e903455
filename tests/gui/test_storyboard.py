"""The storyboard: the story planned after the analysis, shaped card by card, carried into the
run, previewed for free, rendered on a cloud model, and still there after a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import SessionStatus
from tests.engine.fal_support import KEY, fal_fake
from tests.gui.helpers import TINY_LOCAL, WAIT_MS, fill_form, jobs, load_input

ACTION = "she turns to the sea, then walks along the shore and stops at the rocks"
LOCKED = "A gull lands on the railing beside her and folds its wings."


@pytest.fixture
def fal(monkeypatch) -> Iterator:
    monkeypatch.setenv("FAL_KEY", KEY)
    with fal_fake(monkeypatch) as server:
        yield server


def _planned(qtbot, window, sample_image, chains: int = 3):
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, ACTION, chains, TINY_LOCAL)
    board = window.studio_page.storyboard
    qtbot.waitUntil(lambda: len(board.cards) == chains, timeout=WAIT_MS)
    return board


def _type_beat(qtbot, card, text: str) -> None:
    card.text.setFocus()
    qtbot.keyClick(card.text, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        qtbot.keyClicks(card.text, text)
    else:
        qtbot.keyClick(card.text, Qt.Key.Key_Delete)


def _session_json(home: Path, session_id: str) -> dict:
    return json.loads((home / "sessions" / session_id / "session.json").read_text())


def test_analysis_plans_one_card_per_chain_with_its_clip_and_the_reason(
    qtbot, window, sample_image
):
    board = _planned(qtbot, window, sample_image, chains=3)

    assert [card.index for card in board.cards] == [1, 2, 3]
    assert all(card.beat_text() for card in board.cards)
    assert board.cards[0].terms.text() == "2 s · Free"
    assert board.writer.text() == "· written offline"
    assert board.status.full_text()  # why this many chains
    assert window.studio_page.analysis.vision_text()  # the scene vision came with it


def test_replan_keeps_a_locked_beat_word_for_word_and_rewrites_the_others(
    qtbot, window, sample_image
):
    board = _planned(qtbot, window, sample_image)
    _type_beat(qtbot, board.cards[0], "scratch")
    _type_beat(qtbot, board.cards[1], LOCKED)
    qtbot.mouseClick(board.cards[1].lock, Qt.MouseButton.LeftButton)
    assert board.cards[1].lock.text() == "Locked"

    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.studio_page.planning.busy, timeout=WAIT_MS)

    assert board.cards[1].beat_text() == LOCKED and board.cards[1].locked()
    # Rewritten, from the action as it reads now.
    assert board.cards[0].beat_text() != "scratch"
    assert "she turns to the sea" in board.cards[0].beat_text()
    assert "Ctrl+R" in board.replan_button.toolTip()


def test_ctrl_z_undoes_a_beat_edit(qtbot, window, sample_image):
    board = _planned(qtbot, window, sample_image)
    card = board.cards[2]
    before = card.beat_text()
    card.text.setFocus()
    qtbot.keyClick(card.text, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(card.text, " Slowly.")
    assert card.beat_text() == before + " Slowly."

    qtbot.keyClick(card.text, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)

    assert card.beat_text() == before
    assert board.current_plan().beats[2].text == before


def test_an_empty_beat_or_a_plan_that_does_not_fit_blocks_generate(qtbot, window, sample_image):
    board = _planned(qtbot, window, sample_image)
    model = window.studio_page.model
    assert model.generate_button.isEnabled()

    _type_beat(qtbot, board.cards[1], "")

    assert board.cards[1].error.isVisible()
    assert model.message.text() == "beat 2 is empty; say what happens in chain 2"
    assert not model.generate_button.isEnabled()
    window.studio_page.generate()
    assert jobs(window) == []

    qtbot.keyClicks(board.cards[1].text, "the tide comes in")
    assert model.generate_button.isEnabled()
    model.set_chains(4)
    assert model.message.text() == "the plan has 3 beats for 4 chains — Re-plan"
    assert not model.generate_button.isEnabled()


def test_tab_goes_from_a_beat_to_its_lock_to_the_next_beat(qtbot, window, sample_image):
    board = _planned(qtbot, window, sample_image)
    board.cards[0].text.setFocus()

    qtbot.keyClick(board.cards[0].text, Qt.Key.Key_Tab)
    assert board.cards[0].lock.hasFocus()
    qtbot.keyClick(board.cards[0].lock, Qt.Key.Key_Space)
    assert board.cards[0].locked()
    qtbot.keyClick(board.cards[0].lock, Qt.Key.Key_Tab)
    assert board.cards[1].text.hasFocus()


def test_a_run_follows_the_plan_and_each_card_shows_what_was_sent(
    qtbot, window, sample_image, home
):
    board = _planned(qtbot, window, sample_image, chains=2)
    _type_beat(qtbot, board.cards[0], LOCKED)
    qtbot.mouseClick(board.cards[0].lock, Qt.MouseButton.LeftButton)

    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: jobs(window) and jobs(window)[0].finished, timeout=WAIT_MS)
    job = jobs(window)[0]
    assert job.status is SessionStatus.COMPLETED, job.error
    qtbot.waitUntil(lambda: all(card.sent_prompt() for card in board.cards), timeout=WAIT_MS)
    assert LOCKED in board.cards[0].sent_prompt()
    assert board.cards[0].thumb.pixmap() is not None and not board.cards[0].thumb.isHidden()
    stored = _session_json(home, job.session_id)["plan"]
    assert stored["beats"][0] == {"index": 1, "text": LOCKED, "locked": True}


def test_preview_for_free_makes_a_captioned_local_session_with_the_plan(
    qtbot, window, sample_image, home
):
    board = _planned(qtbot, window, sample_image, chains=2)
    beats = [card.beat_text() for card in board.cards]

    qtbot.mouseClick(board.preview_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: bool(jobs(window) and jobs(window)[0].session_id), timeout=WAIT_MS)
    job = jobs(window)[0]
    assert job.request.params["captions"] is True and not job.paid
    stored = _session_json(home, job.session_id)
    assert [beat["text"] for beat in stored["plan"]["beats"]] == beats
    qtbot.waitUntil(lambda: job.finished, timeout=WAIT_MS)
    assert job.status is SessionStatus.COMPLETED, job.error


def test_a_draft_renders_on_a_cloud_model_and_the_sessions_page_links_both(
    fal, qtbot, window, sample_image, dialogs, engine
):
    board = _planned(qtbot, window, sample_image, chains=1)
    qtbot.mouseClick(board.preview_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: jobs(window) and jobs(window)[0].finished, timeout=WAIT_MS)
    draft_id = jobs(window)[0].session_id
    qtbot.waitUntil(lambda: board.draft is not None, timeout=WAIT_MS)
    page = window.studio_page
    page.model.set_model("wan")
    page.model.form.controls["resolution"].set_value("480p")
    assert board.render_button.text() == "Render with WAN 2.1 (Default cloud)…"
    assert board.render_button.isEnabled()

    dialogs.answer("Render · $0.20")
    qtbot.mouseClick(board.render_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: len(jobs(window)) == 2 and jobs(window)[1].finished, timeout=WAIT_MS)
    render = jobs(window)[1]
    assert render.status is SessionStatus.COMPLETED, render.error
    assert dialogs.seen[0].text.startswith("Render “")
    assert engine.load_session(render.session_id).draft_of == draft_id
    browser = window.browser
    window.show_sessions()
    qtbot.waitUntil(lambda: browser.table.topLevelItemCount() == 2, timeout=WAIT_MS)
    browser.select(draft_id)
    assert f'Rendered as <a href="{render.session_id}">' in browser.detail_link.text()
    browser.detail_link.linkActivated.emit(render.session_id)  # a click on the link
    assert browser.selected_id() == render.session_id
    assert browser.detail_link.text().startswith("Render of draft")
    assert draft_id in browser.detail_link.text()


def test_the_storyboard_survives_closing_and_reopening_the_app(qtbot, window, sample_image, home):
    from scenemaker_desktop.gui.main_window import MainWindow

    board = _planned(qtbot, window, sample_image)
    _type_beat(qtbot, board.cards[1], LOCKED)
    qtbot.mouseClick(board.cards[1].lock, Qt.MouseButton.LeftButton)
    vision = window.studio_page.analysis.vision_text()
    beats = [card.beat_text() for card in board.cards]

    window.close()
    again = MainWindow(Engine.from_environment())
    qtbot.addWidget(again)

    cards = again.studio_page.storyboard.cards
    assert [card.beat_text() for card in cards] == beats
    assert cards[1].locked() and not cards[0].locked()
    assert again.studio_page.analysis.vision_text() == vision


def test_a_target_length_sets_the_chain_count_and_says_why(qtbot, window):
    model = window.studio_page.model
    model.set_model("local")
    model.form.controls["duration"].set_value(5)
    model.length.seconds.setFocus()

    qtbot.keyClick(model.length.seconds, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(model.length.seconds, "30")

    assert model.chains() == 6
    assert model.length.reason.text().startswith("30 s at 5 s a clip: 6 chains")
