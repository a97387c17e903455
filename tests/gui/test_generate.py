"""Generating: the queue, chain previews, the player, cancel, retry and closing."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from scenemaker_desktop.engine.sessions.model import SessionStatus
from tests.fakes.openai_server import FakeOpenAI
from tests.gui.helpers import SLOW_LOCAL, TINY_LOCAL, WAIT_MS, fill_form, jobs, load_input


def _status_on_disk(home: Path, session_id: str) -> str:
    data = json.loads((home / "sessions" / session_id / "session.json").read_text())
    return data["status"]


def _rendering(job) -> bool:
    return job.status is SessionStatus.RUNNING and "Rendering" in job.operation


def test_two_local_chains_fill_the_strip_and_the_final_video_plays(qtbot, window, sample_image):
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, "slow push in toward the sea", 2, TINY_LOCAL)
    page = window.studio_page

    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: jobs(window) and jobs(window)[0].status.finished, timeout=WAIT_MS)
    job = jobs(window)[0]
    assert job.status is SessionStatus.COMPLETED, job.error
    strip, player = page.preview.strip, page.preview.player
    qtbot.waitUntil(lambda: player.source == job.final_video, timeout=WAIT_MS)
    assert strip.ready_count() == 2
    assert all(not tile.icon().isNull() for tile in strip.tiles)
    frames = []
    player.video_widget.videoSink().videoFrameChanged.connect(
        lambda frame: frames.append(frame.toImage()) if frame.isValid() else None
    )
    qtbot.waitUntil(lambda: len(frames) >= 2, timeout=WAIT_MS)
    assert (frames[-1].width(), frames[-1].height()) == (640, 360)
    assert not frames[-1].isNull()
    assert "finished" in window.notifier.last_message


def test_clicking_a_chain_tile_plays_that_chain(qtbot, window, sample_image):
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, "slow push in toward the sea", 2, TINY_LOCAL)
    window.studio_page.generate()
    qtbot.waitUntil(lambda: jobs(window) and jobs(window)[0].status.finished, timeout=WAIT_MS)
    strip, player = window.studio_page.preview.strip, window.studio_page.preview.player
    qtbot.waitUntil(lambda: strip.ready_count() == 2, timeout=WAIT_MS)
    # As the user sees it: the finished video has opened in the player.
    final = jobs(window)[0].final_video
    qtbot.waitUntil(lambda: player.source == final and player.media.duration() > 0, timeout=WAIT_MS)

    qtbot.mouseClick(strip.tiles[1], Qt.MouseButton.LeftButton)

    assert player.source is not None and player.source.name == "chain_02.mp4"
    assert window.studio_page.preview.export_button.isEnabled()


def test_escape_cancels_the_selected_running_job_and_offers_retry(
    qtbot, window, sample_image, home
):
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, "slow push in toward the sea", 3, SLOW_LOCAL)
    window.studio_page.generate()
    qtbot.waitUntil(lambda: jobs(window) and _rendering(jobs(window)[0]), timeout=WAIT_MS)
    job = jobs(window)[0]

    qtbot.keyClick(window, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: job.status.finished, timeout=WAIT_MS)
    assert job.status is SessionStatus.CANCELLED
    assert _status_on_disk(home, job.session_id) == "cancelled"
    row = window.studio_page.jobs.rows[job.id]
    assert row.retry_button.isVisibleTo(row) and row.retry_button.text() == "Retry"
    assert not row.cancel_button.isVisibleTo(row)


def test_parallel_limit_queues_extra_jobs_and_retry_runs_a_cancelled_one(
    qtbot, window, sample_image, home
):
    window.queue.set_parallel(1)
    load_input(qtbot, window, sample_image)
    page = window.studio_page
    fill_form(qtbot, window, "a long slow drift", 3, SLOW_LOCAL)
    page.generate()
    fill_form(qtbot, window, "a short push in", 1, TINY_LOCAL)
    page.generate()
    qtbot.waitUntil(lambda: len(jobs(window)) == 2 and _rendering(jobs(window)[0]), timeout=WAIT_MS)
    slow, quick = jobs(window)
    qtbot.waitUntil(lambda: quick.status is SessionStatus.QUEUED, timeout=WAIT_MS)

    window.queue.cancel(quick)
    qtbot.waitUntil(lambda: quick.status.finished, timeout=WAIT_MS)
    assert quick.status is SessionStatus.CANCELLED
    assert slow.status is SessionStatus.RUNNING
    row = page.jobs.rows[quick.id]
    window.queue.cancel(slow)
    qtbot.waitUntil(lambda: slow.status.finished, timeout=WAIT_MS)
    qtbot.mouseClick(row.retry_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: quick.status.finished, timeout=WAIT_MS)
    assert quick.status is SessionStatus.COMPLETED, quick.error
    assert _status_on_disk(home, quick.session_id) == "completed"
    assert quick.final_video is not None and quick.final_video.is_file()


def test_closing_the_window_saves_a_running_job_as_interrupted(qtbot, window, sample_image, home):
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, "a long slow drift", 3, SLOW_LOCAL)
    window.studio_page.generate()
    qtbot.waitUntil(lambda: jobs(window) and _rendering(jobs(window)[0]), timeout=WAIT_MS)
    session_id = jobs(window)[0].session_id

    window.close()

    assert window.shutdown_clean
    assert _status_on_disk(home, session_id) == SessionStatus.INTERRUPTED.value
    settings = json.loads((home / "settings.json").read_text())
    assert settings["last_model"] == "local"
    assert settings["last_params"]["local"]["fps"] == SLOW_LOCAL["fps"]


def test_a_fallback_notice_reaches_its_job_and_stays_on_its_row(
    qtbot, window, sample_image, monkeypatch
):
    # OpenAI refuses the key: the worker's analysis falls back to offline and says so.
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_API_KEY", "not-the-key")
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        load_input(qtbot, window, sample_image)
        fill_form(qtbot, window, "slow push in toward the sea", 1, TINY_LOCAL)
        window.studio_page.generate()
        qtbot.waitUntil(lambda: jobs(window) and jobs(window)[0].finished, timeout=WAIT_MS)

    job = jobs(window)[0]
    assert job.status is SessionStatus.COMPLETED, job.error
    assert job.notices[0] == "OpenAI key rejected (401); using the offline analysis instead"
    row = window.studio_page.jobs.rows[job.id]
    assert "Note: OpenAI key rejected (401)" in row.detail.toolTip()
    assert "not-the-key" not in row.detail.toolTip()
