"""Money on the line: a cloud model (the loopback fal) asks before a cancel, retry, resume or
quit, says what was paid and what comes, keeps one queue row per session, and explains
its total chain by chain."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from scenemaker_desktop.engine.catalog import build_request, estimate_cost
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.settings import Settings
from tests.engine.fal_support import KEY, fal_fake
from tests.fakes.fal_jobs import JobPlan
from tests.gui.helpers import WAIT_MS, fill_form, jobs, load_input

WAN = {"resolution": "480p"}
PER_CLIP_USD = estimate_cost(build_request("wan", "x", 1, WAN)).per_clip_usd
PER_CLIP = f"${PER_CLIP_USD:.2f}"
TWO_CLIPS = f"${2 * PER_CLIP_USD:.2f}"


@pytest.fixture
def fal(monkeypatch) -> Iterator:
    """A loopback fal, its key in the environment the app reads."""
    monkeypatch.setenv("FAL_KEY", KEY)
    with fal_fake(monkeypatch) as server:
        yield server


def _start_wan_job(qtbot, window, sample_image, fal, chains: int = 1):
    """A WAN job whose last chain renders at fal (held there) once the others finished."""
    load_input(qtbot, window, sample_image)
    qtbot.waitUntil(lambda: window.studio_page.fal_ready is True, timeout=WAIT_MS)
    fill_form(qtbot, window, "the beam sweeps the bay", chains, WAN, model="wan")
    fal.plan = JobPlan(hold=chains == 1)
    window.studio_page.generate()
    # Each chain is submitted once the one before has finished: hold from the last one on.
    qtbot.waitUntil(lambda: len(fal.jobs.all()) >= chains - 1, timeout=WAIT_MS)
    fal.plan = JobPlan(hold=True)
    qtbot.waitUntil(lambda: bool(jobs(window)), timeout=WAIT_MS)
    job = jobs(window)[0]
    # The last chain renders at fal, and is charged for (its submit was answered).
    charged = round(chains * PER_CLIP_USD, 2)
    qtbot.waitUntil(
        lambda: job.chain_index == chains - 1 and job.cost_usd >= charged, timeout=WAIT_MS
    )
    return job


def _press_escape(qtbot, window, job) -> None:
    window.activateWindow()  # back from a dialog, as a click on the window does
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    window.studio_page.jobs.select_job(job)
    qtbot.keyClick(window, Qt.Key.Key_Escape)


def test_escape_on_a_paid_job_asks_and_keeps_it_running_unless_confirmed(
    fal, qtbot, window, sample_image, dialogs
):
    job = _start_wan_job(qtbot, window, sample_image, fal)

    dialogs.answer("Keep running")
    _press_escape(qtbot, window, job)
    qtbot.wait(300)
    assert job.status is SessionStatus.RUNNING and not job.cancel_requested
    asked = dialogs.seen[0]
    assert asked.text == "Cancel “the beam sweeps the bay”?"
    assert f"charged {PER_CLIP}" in asked.details and "still billed" in asked.details

    dialogs.answer("Cancel job")
    _press_escape(qtbot, window, job)
    qtbot.waitUntil(lambda: job.status is SessionStatus.CANCELLED, timeout=WAIT_MS)
    assert [j.state.value for j in fal.jobs.all()] == ["CANCELLED"]


def test_retry_states_the_cost_and_runs_again_on_the_same_row(
    fal, qtbot, window, sample_image, dialogs
):
    job = _start_wan_job(qtbot, window, sample_image, fal)
    dialogs.answer("Cancel job")
    _press_escape(qtbot, window, job)
    qtbot.waitUntil(lambda: job.status is SessionStatus.CANCELLED, timeout=WAIT_MS)
    row = window.studio_page.jobs.rows[job.id]
    assert row.retry_button.isVisible()

    dialogs.answer("Not now")
    qtbot.mouseClick(row.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(dialogs.seen) == 2, timeout=WAIT_MS)
    asked = dialogs.seen[1]
    assert asked.text == "Retry “the beam sweeps the bay”?"
    assert f"Already paid: {PER_CLIP}" in asked.details
    assert f"Retry · {PER_CLIP}" in asked.buttons
    assert job.status is SessionStatus.CANCELLED  # "Not now" spent nothing

    fal.plan = JobPlan()  # the next attempt finishes
    dialogs.answer(f"Retry · {PER_CLIP}")
    qtbot.mouseClick(row.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: job.status is SessionStatus.RUNNING, timeout=WAIT_MS)
    assert not row.retry_button.isVisible()
    qtbot.waitUntil(lambda: job.status is SessionStatus.COMPLETED, timeout=WAIT_MS)
    assert len(jobs(window)) == 1 and window.studio_page.jobs.count() == 1

    # Two tries of one chain: the total is above the estimate, and the details say why.
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: "Chains: 1 done" in preview.params.text(), timeout=WAIT_MS)
    details = preview.params.text()
    assert f"1 done {TWO_CLIPS} (2 tries)" in details
    assert f"Spent {TWO_CLIPS} (estimate {PER_CLIP}): fal bills every clip it started" in details


def test_resume_from_sessions_reuses_the_row_instead_of_adding_one(
    fal, qtbot, window, sample_image, dialogs
):
    job = _start_wan_job(qtbot, window, sample_image, fal, chains=2)
    dialogs.answer("Cancel job")
    _press_escape(qtbot, window, job)
    qtbot.waitUntil(lambda: job.status is SessionStatus.CANCELLED, timeout=WAIT_MS)

    window.show_sessions()
    browser = window.browser
    qtbot.waitUntil(lambda: browser.selected_id() == job.session_id, timeout=WAIT_MS)
    details = browser.detail_params.text()
    assert f"Chains: 1 done {PER_CLIP} · 2 cancelled {PER_CLIP}" in details
    assert f"Finishing the 1 remaining chain costs about {PER_CLIP}" in details
    fal.plan = JobPlan()
    dialogs.answer(f"Resume · {PER_CLIP}")
    qtbot.mouseClick(browser.buttons["resume"], Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: job.status is SessionStatus.COMPLETED, timeout=WAIT_MS)
    assert jobs(window) == [job] and window.studio_page.jobs.count() == 1
    assert f"Already paid: {TWO_CLIPS}" in dialogs.seen[1].details
    assert window.studio_page.preview.meta.text().endswith("completed")


def test_dont_ask_again_is_remembered_and_settings_can_turn_it_back_on(
    fal, qtbot, window, sample_image, dialogs, engine
):
    job = _start_wan_job(qtbot, window, sample_image, fal)
    dialogs.answer("Cancel job", dont_ask_again=True)
    _press_escape(qtbot, window, job)
    qtbot.waitUntil(lambda: job.status is SessionStatus.CANCELLED, timeout=WAIT_MS)
    assert window.settings.confirm_spending is False
    on_disk = engine.paths.settings_file
    qtbot.waitUntil(lambda: not Settings.load(on_disk).confirm_spending, timeout=WAIT_MS)

    dialog = window.open_settings()
    assert not dialog.confirm_spending.isChecked()
    dialog.confirm_spending.setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: window.settings.confirm_spending, timeout=WAIT_MS)


def test_closing_while_a_paid_job_renders_asks_and_can_be_called_off(
    fal, qtbot, window, sample_image, dialogs, engine
):
    job = _start_wan_job(qtbot, window, sample_image, fal)

    dialogs.answer("Keep working")
    window.close()
    assert window.isVisible() and job.status is SessionStatus.RUNNING
    assert dialogs.seen[0].text == "Quit while 1 paid job runs?"
    assert f"Charged so far: {PER_CLIP}" in dialogs.seen[0].details

    dialogs.answer("Quit")
    window.close()
    assert not window.isVisible() and window.shutdown_clean
    # Saved for resume, the clip fal was making included (not paid again).
    session = engine.load_session(job.session_id)
    assert session.status is SessionStatus.INTERRUPTED
    assert session.chains[0].fal_request_id == fal.jobs.all()[0].request_id


def test_the_queue_row_and_tile_say_where_a_clip_is_at_fal(
    fal, qtbot, window, sample_image, dialogs
):
    load_input(qtbot, window, sample_image)
    qtbot.waitUntil(lambda: window.studio_page.fal_ready is True, timeout=WAIT_MS)
    fill_form(qtbot, window, "the beam sweeps the bay", 2, WAN, model="wan")
    fal.plan = JobPlan(queued_polls=2, hold=True)  # one ahead, then next in line, then held
    window.studio_page.generate()
    qtbot.waitUntil(lambda: bool(jobs(window)), timeout=WAIT_MS)
    job = jobs(window)[0]
    row, strip = window.studio_page.jobs.rows[job.id], window.studio_page.preview.strip
    qtbot.waitUntil(lambda: len(strip.tiles) == 2, timeout=WAIT_MS)  # the new job is shown
    tile = strip.tiles[0]
    seen_details, seen_tiles = set(), set()

    def look() -> None:
        seen_details.add(row.detail.full_text())
        seen_tiles.add(tile.state)

    job.changed.connect(look)
    qtbot.waitUntil(lambda: job.cost_usd > 0 and not job.chain_queued, timeout=WAIT_MS)

    assert any(text.endswith("· 1 ahead") for text in seen_details), seen_details
    assert any(text.endswith("· next in line") for text in seen_details), seen_details
    assert "queued" in seen_tiles and not any("rendering 0" in s for s in seen_tiles)
    assert row.time.text() and not row.thumbnail.pixmap().isNull()

    dialogs.answer("Cancel job")
    window.studio_page.jobs.select_job(job)
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: job.status is SessionStatus.CANCELLED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: strip.tiles[0].state == "cancelled", timeout=WAIT_MS)
    assert strip.tiles[1].state == "not started"
