"""The input column: dropping, pasting, refusing, and the analysis fields."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from tests.gui.helpers import WAIT_MS, drop_files, load_input


def test_dropping_an_image_shows_it_and_fills_the_analysis_offline(qtbot, window, sample_image):
    page = window.studio_page
    load_input(qtbot, window, sample_image)

    assert page.image == sample_image
    assert page.drop_zone.view.has_image()
    assert "1920×1080" in page.drop_zone.caption.text()
    for key in ("theme", "background", "main_subject", "tone_and_color"):
        assert page.analysis.fields[key].text(), key
    assert "offline" in page.analysis.status.text()


def test_dropping_a_text_file_says_why_it_is_refused(qtbot, window, tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture\n")
    zone = window.studio_page.drop_zone

    drop_files(zone, notes)

    qtbot.waitUntil(lambda: zone.message.isVisible(), timeout=WAIT_MS)
    assert zone.message.text() == "notes.txt is a text file, not an image"
    assert window.studio_page.image is None
    assert not window.studio_page.model.generate_button.isEnabled()


def test_a_refused_file_keeps_the_image_already_loaded(qtbot, window, sample_image, tmp_path):
    load_input(qtbot, window, sample_image)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    zone = window.studio_page.drop_zone

    drop_files(zone, empty)

    qtbot.waitUntil(lambda: zone.message.isVisible(), timeout=WAIT_MS)
    assert "empty" in zone.message.text()
    assert window.studio_page.image == sample_image
    assert "Still using sample_coast.jpg" in zone.caption.text()


def test_pasting_a_bitmap_loads_it_like_a_dropped_file(qtbot, window):
    picture = QImage(320, 180, QImage.Format.Format_RGB32)
    picture.fill(QColor("#336699"))
    QApplication.clipboard().setImage(picture)
    window.activateWindow()
    page = window.studio_page

    qtbot.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)

    qtbot.waitUntil(lambda: page.analysis.fields["theme"].text() != "", timeout=WAIT_MS)
    assert page.image is not None and page.image.suffix == ".png"
    assert "320×180" in page.drop_zone.caption.text()


def test_edited_analysis_fields_go_into_the_request(qtbot, window, sample_image):
    load_input(qtbot, window, sample_image)
    page = window.studio_page
    page.analysis.action.setPlainText("the lighthouse beam sweeps across the bay")
    page.analysis.fields["theme"].setPlainText("quiet coastal night")

    verdict = page.verdict()

    assert verdict.ready
    assert verdict.request.analysis["theme"] == "quiet coastal night"
    assert verdict.request.action == "the lighthouse beam sweeps across the bay"


def test_analyze_keeps_the_action_the_artist_typed(qtbot, window, sample_image):
    page = window.studio_page
    page.analysis.action.setPlainText("she turns and walks into the fog")
    load_input(qtbot, window, sample_image)

    assert page.analysis.action_text() == "she turns and walks into the fog"
