"""The window on laptop screens and up: the player keeps its room, nothing spills or is cut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QWidget

from scenemaker_desktop.engine.catalog import MODELS, build_request
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.gui.main_window import MainWindow
from scenemaker_desktop.gui.preview_panel import PLAYER_MIN_HEIGHT
from scenemaker_desktop.gui.widgets import ElidedLabel
from tests.conftest import SAMPLE_IMAGE
from tests.gui.helpers import (
    SLOW_LOCAL,
    TINY_LOCAL,
    WAIT_MS,
    fill_form,
    jobs,
    load_input,
    stored_session,
)


def _overflows(root: QWidget) -> list[str]:
    """Visible widgets that stick out of their parent, and labels cut with no "…"."""
    problems = []
    for widget in root.findChildren(QWidget):
        parent = widget.parentWidget()
        if not widget.isVisible() or parent is None or widget.isWindow():
            continue
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and parent is area.viewport():
            # Scrolled content may be longer than its view, only never wider when the
            # view does not scroll sideways (that would cut it off).
            sideways = area.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            if not sideways and widget.width() > parent.width():
                problems.append(f"{_name(widget)} is wider than its scroll view")
            continue
        if not parent.rect().contains(widget.geometry()):
            problems.append(f"{_name(widget)} {widget.geometry()} outside {_name(parent)}")
        if _cut_label(widget):
            problems.append(f"label {widget.text()!r} is cut without an ellipsis")
    return problems + _overlaps(root)


def _overlaps(root: QWidget) -> list[str]:
    """Visible siblings laid out by the same layout that cover each other."""
    problems = []
    for parent in [root, *root.findChildren(QWidget)]:
        layout = parent.layout()
        if layout is None or not parent.isVisible():
            continue
        laid = [layout.itemAt(i).widget() for i in range(layout.count())]
        shown = [w for w in laid if w is not None and w.isVisible()]
        for i, first in enumerate(shown):
            for second in shown[i + 1 :]:
                if first.geometry().intersects(second.geometry()):
                    problems.append(f"{_name(first)} overlaps {_name(second)}")
    return problems


def _cut_label(widget: QWidget) -> bool:
    if not isinstance(widget, QLabel) or isinstance(widget, ElidedLabel):
        return False
    if widget.wordWrap() or not widget.text():
        return False
    return widget.sizeHint().width() > widget.width() + 1


def _name(widget: QWidget) -> str:
    return f"{type(widget).__name__}#{widget.objectName() or '?'}"


def _show_finished_session(qtbot, window, engine) -> None:
    session = engine.run_session(stored_session(engine, chains=3).id)
    window.open_session(session.id)
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.strip.ready_count() == 3, timeout=WAIT_MS)


@pytest.mark.parametrize("size", [(1024, 640), (1280, 720)])
def test_on_a_laptop_screen_the_player_keeps_its_room_and_nothing_spills(
    qtbot, window, engine, size
):
    _show_finished_session(qtbot, window, engine)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size, timeout=WAIT_MS)
    qtbot.wait(100)  # let the splitters settle

    page = window.studio_page
    assert page.preview.player.height() >= PLAYER_MIN_HEIGHT
    # The side panels gave way first: the video column kept the larger share.
    widths = page.columns.sizes()
    assert widths[1] > max(widths[0], widths[2])
    assert _overflows(window.centralWidget()) == []


def test_the_player_takes_the_height_a_larger_window_gives(qtbot, window, engine):
    _show_finished_session(qtbot, window, engine)
    heights = []
    for size in ((1024, 640), (1280, 720), (1920, 1080)):
        window.resize(*size)
        qtbot.waitUntil(lambda s=size: (window.width(), window.height()) == s, timeout=WAIT_MS)
        qtbot.wait(50)
        heights.append(window.studio_page.preview.player.height())
    assert heights == sorted(heights) and heights[-1] - heights[0] >= 300
    # Tall enough: the queue is back at the size it had, the player took the rest.
    queue_height = window.studio_page.centre.sizes()[1]
    assert queue_height == 180


def test_a_side_panel_dragged_shut_stays_shut_and_the_video_gets_its_width(qtbot, window):
    columns = window.studio_page.columns
    before = columns.sizes()
    columns.moveSplitter(0, 1)  # drag the input column's edge all the way left
    qtbot.waitUntil(lambda: columns.sizes()[0] == 0, timeout=WAIT_MS)
    window.resize(1300, 800)
    qtbot.wait(50)

    assert columns.sizes()[0] == 0
    assert columns.sizes()[1] > before[1]


def test_the_header_is_one_line_and_the_parameters_fold_out_in_details(qtbot, window, engine):
    _show_finished_session(qtbot, window, engine)
    preview = window.studio_page.preview
    qtbot.waitUntil(lambda: preview.meta.full_text().endswith("completed"), timeout=WAIT_MS)

    assert preview.meta.full_text() == "Local Preview · 3 chains · ≈ 6 s · free · completed"
    assert not preview.details.isVisible()
    qtbot.mouseClick(preview.details_button, Qt.MouseButton.LeftButton)
    assert preview.details.isVisible()
    assert preview.details.height() <= 110  # scrolls rather than push the player down
    assert "Resolution 360p" in preview.params.text()
    assert "Rendered on this computer: nothing to pay." in preview.params.text()


def test_a_queue_row_elides_a_long_action_and_keeps_its_eta_whole(qtbot, window, sample_image):
    window.resize(1024, 640)
    load_input(qtbot, window, sample_image)
    fill_form(qtbot, window, "the lighthouse beam sweeps slowly across the bay " * 6, 2, SLOW_LOCAL)
    window.studio_page.generate()
    qtbot.waitUntil(lambda: bool(jobs(window)), timeout=WAIT_MS)
    job = jobs(window)[0]
    row = window.studio_page.jobs.rows[job.id]
    qtbot.waitUntil(lambda: row.eta.text().startswith("about"), timeout=WAIT_MS)

    assert row.title.text().endswith("…")
    assert row.eta.isVisible() and row.eta.sizeHint().width() <= row.eta.width()
    assert row.time.isVisible() and row.chip.isVisible()
    window.studio_page.generate()  # a second row brings the scroll bar
    qtbot.waitUntil(lambda: len(jobs(window)) == 2, timeout=WAIT_MS)
    for size in ((1280, 720), (1920, 1080), (1024, 640)):
        window.resize(*size)
        qtbot.wait(100)
        assert _overflows(window.studio_page.jobs) == [], size
    window.queue.cancel(jobs(window)[1])
    window.queue.cancel(job)
    qtbot.waitUntil(lambda: all(j.finished for j in jobs(window)), timeout=WAIT_MS)


def test_the_model_picker_shows_what_a_clip_costs(window):
    box = window.studio_page.model.model_box
    texts = {box.itemData(i): box.itemText(i) for i in range(box.count())}
    for spec in MODELS:
        price = spec.clip_cost(spec.defaults())
        assert texts[spec.id].endswith(f"${price:.2f} a clip" if price else "free")


def test_at_the_smallest_size_the_banner_and_the_sessions_page_fit_too(qtbot, themed, engine):
    for action in ("slow pan right along the shoreline", "a gentle pull out from the cliffs"):
        crashed = engine.create_session(SAMPLE_IMAGE, build_request("local", action, 2, TINY_LOCAL))
        crashed.status = SessionStatus.RUNNING  # as a crash leaves it
        SessionStore(engine.sessions_dir).save(crashed)
    engine.run_session(stored_session(engine).id)  # a third, finished
    window = MainWindow(engine)
    qtbot.addWidget(window)
    window.show()
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 640), timeout=WAIT_MS)
    qtbot.wait(100)

    assert len(window.banner.entries) == 2
    assert window.studio_page.preview.player.height() >= PLAYER_MIN_HEIGHT
    assert _overflows(window.centralWidget()) == []
    window.show_sessions()
    qtbot.waitUntil(lambda: window.browser.table.topLevelItemCount() == 3, timeout=WAIT_MS)
    qtbot.wait(100)
    assert _overflows(window.browser) == []
    assert window.browser.table.isColumnHidden(1)  # the date: shown in the details instead
    window.close()
