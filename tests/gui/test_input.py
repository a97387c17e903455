"""The input column: dropping, pasting, refusing, and the analysis fields."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QTextCursor
from PySide6.QtWidgets import QApplication

from tests.engine.test_images import crafted_png
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


def test_a_too_large_painting_can_be_used_as_a_downscaled_copy(qtbot, window, tmp_path):
    painting = tmp_path / "painting.png"
    Image.new("L", (10_000, 6_000), 90).save(painting)  # 60 MP, solid: quick to write
    page, zone = window.studio_page, window.studio_page.drop_zone

    drop_files(zone, painting)
    qtbot.waitUntil(lambda: zone.message.isVisible(), timeout=WAIT_MS)
    assert "60.0 megapixels, at most 50; it can be downscaled" in zone.message.text()
    assert zone.downscale_button.isVisible() and page.image is None

    qtbot.mouseClick(zone.downscale_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: page.image is not None, timeout=WAIT_MS)
    assert page.image != painting and painting.is_file()  # a copy; the original untouched
    assert zone.caption.full_text().startswith("painting.png (downscaled) · 8944×5367")
    assert not zone.downscale_button.isVisible() and not zone.message.isVisible()


def test_a_decompression_bomb_is_refused_with_no_offer(qtbot, window, tmp_path):
    bomb = crafted_png(tmp_path / "bomb.png", 20_000, 15_000)  # the header claims 300 MP
    zone = window.studio_page.drop_zone

    drop_files(zone, bomb)

    qtbot.waitUntil(lambda: zone.message.isVisible(), timeout=WAIT_MS)
    assert zone.message.text() == "bomb.png is too large: 300.0 megapixels, at most 50"
    assert not zone.downscale_button.isVisible()


def test_machine_written_fields_read_as_suggestions_until_edited(qtbot, window, sample_image):
    page = window.studio_page
    load_input(qtbot, window, sample_image)
    theme, action = page.analysis.fields["theme"], page.analysis.action

    assert theme.suggested and theme.property("suggested") is True
    assert action.suggested and action.text()  # the analysis' action idea, marked as such
    assert page.analysis.status.text() == "Suggested by offline analysis"
    assert "suggestion until you edit it" in page.analysis.status.toolTip()

    suggestion = theme.text()
    theme.moveCursor(QTextCursor.MoveOperation.End)  # the artist clicks after the text
    qtbot.keyClicks(theme, " at dusk")
    assert not theme.suggested
    qtbot.mouseClick(page.analysis.analyze_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.analysis.analyze_button.isEnabled(), timeout=WAIT_MS)
    assert theme.text() == f"{suggestion} at dusk"  # Analyze again keeps the artist's words


def test_no_hint_asks_for_an_image_once_one_is_loaded(qtbot, window, sample_image):
    page = window.studio_page
    assert page.analysis.status.text() == "Add an image to analyze it"
    assert page.preview.meta.text() == "Describe the action for your image and press Generate."
    load_input(qtbot, window, sample_image)
    assert "Add an image" not in page.analysis.status.text()
