"""The model picker and the parameter form generated from the catalog."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QPlainTextEdit

from scenemaker_desktop.engine.catalog import get_model
from tests.gui.helpers import WAIT_MS, load_input


def test_switching_model_rebuilds_the_form_with_that_models_fields(window):
    model = window.studio_page.model

    model.set_model("wan")

    wan = get_model("wan")
    assert list(model.form.controls) == [p.key for p in wan.params]
    assert isinstance(model.form.control("resolution"), QComboBox)
    assert isinstance(model.form.control("enable_safety_checker"), QCheckBox)
    assert isinstance(model.form.control("negative_prompt"), QPlainTextEdit)
    model.set_model("luma")
    assert set(model.form.controls) == {"duration", "resolution", "aspect_ratio", "loop"}
    assert "seed" not in model.form.controls


def test_choices_and_help_come_from_the_catalog(window):
    model = window.studio_page.model
    model.set_model("pixverse")
    box = model.form.control("resolution")

    values = [box.itemData(i) for i in range(box.count())]

    assert values == ["360p", "540p", "720p", "1080p"]
    assert box.toolTip() == get_model("pixverse").param("resolution").help


def test_pixverse_1080p_at_8_seconds_is_flagged_and_blocks_generate(
    qtbot, window, sample_image, memory_keyring
):
    memory_keyring.set_password("SceneMaker", "fal", "fal-test-key")
    window.refresh_health()
    load_input(qtbot, window, sample_image)
    page = window.studio_page
    qtbot.waitUntil(lambda: page.fal_ready is True, timeout=WAIT_MS)
    page.analysis.action.setPlainText("a slow turn")
    page.model.set_model("pixverse")
    page.model.form.controls["resolution"].set_value("1080p")

    page.model.form.controls["duration"].set_value("8")

    assert page.model.message.isVisible()
    assert page.model.message.text() == "pixverse: 1080p is only available with duration 5"
    assert not page.model.generate_button.isEnabled()
    page.model.form.controls["duration"].set_value("5")
    assert not page.model.message.isVisible()
    assert page.model.generate_button.isEnabled()


def test_cost_estimate_follows_resolution_and_chains(window):
    model = window.studio_page.model
    model.set_model("wan")
    model.form.controls["resolution"].set_value("480p")
    model.session_controls["chains"].set_value(3)
    assert model.cost.text() == "$0.60"

    model.form.controls["resolution"].set_value("720p")

    assert model.cost.text() == "$1.20"
    assert "3 clips × $0.40" in model.cost_detail.text()


def test_a_cloud_model_without_a_fal_key_says_where_to_add_it(qtbot, window, sample_image):
    load_input(qtbot, window, sample_image)
    page = window.studio_page
    qtbot.waitUntil(lambda: page.fal_ready is False, timeout=WAIT_MS)
    page.analysis.action.setPlainText("a slow turn")

    page.model.set_model("kling")

    assert page.model.key_note.isVisible()
    assert "add your fal key in Settings" in page.model.key_note.text()
    assert not page.model.generate_button.isEnabled()
    page.model.set_model("local")
    assert page.model.generate_button.isEnabled()


def test_each_model_keeps_its_own_values_while_switching(window):
    model = window.studio_page.model
    model.set_model("wan")
    model.form.controls["frames_per_second"].set_value(20)

    model.set_model("kling")
    model.set_model("wan")

    assert model.form.controls["frames_per_second"].value() == 20


def test_with_a_fal_key_and_no_history_the_form_opens_on_wan(qtbot, themed, engine, memory_keyring):
    from scenemaker_desktop.gui.main_window import MainWindow

    memory_keyring.set_password("SceneMaker", "fal", "fal-test-key")
    window = MainWindow(engine)
    qtbot.addWidget(window)
    window.show()

    qtbot.waitUntil(lambda: window.studio_page.fal_ready is True, timeout=WAIT_MS)
    assert window.studio_page.model.model_id() == "wan"
    window.close()
