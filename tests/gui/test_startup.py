"""Starting the app: the frame paints first, then the pages arrive; prefs read like Settings."""

from __future__ import annotations

from pathlib import Path

from scenemaker_desktop.engine.settings import AppPaths, Settings
from scenemaker_desktop.gui import startup_prefs
from scenemaker_desktop.gui.main_window import MainWindow
from scenemaker_desktop.gui.theme import apply_theme, icon
from tests.gui.helpers import WAIT_MS


def test_startup_prefs_read_the_same_file_the_engine_writes(home: Path, monkeypatch):
    paths = AppPaths.from_environment()
    Settings(theme="light", window_geometry="AAAA").save(paths.settings_file)

    assert startup_prefs.settings_file() == paths.settings_file
    assert startup_prefs.peek() == startup_prefs.StartupPrefs("light", "AAAA")
    monkeypatch.delenv("SCENEMAKER_HOME")
    assert startup_prefs.settings_file() == AppPaths.from_environment().settings_file


def test_startup_prefs_fall_back_to_defaults_on_a_damaged_file(home: Path):
    path = AppPaths.from_environment().settings_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")

    assert startup_prefs.peek() == startup_prefs.StartupPrefs()


def test_the_frame_paints_first_and_the_pages_follow(qtbot, themed, home, sample_image):
    window = MainWindow.starting(startup_prefs.peek())
    qtbot.addWidget(window)
    window.load_image(sample_image)  # as `scenemaker gui IMAGE` does, before the pages exist
    assert not window.is_attached
    assert not window.settings_action.isEnabled()

    with qtbot.waitSignal(window.attached, timeout=WAIT_MS):
        window.show()

    assert window.pages.currentWidget() is window.studio_page
    assert window.settings_action.isEnabled()
    page = window.studio_page
    qtbot.waitUntil(lambda: page.image == sample_image, timeout=WAIT_MS)
    window.close()


def test_switching_theme_retints_the_icons_already_shown(window, qapp):
    button = window.studio_page.preview.open_button
    dark = button.icon().pixmap(20, 20).toImage()

    apply_theme(qapp, "light")

    light = button.icon().pixmap(20, 20).toImage()
    assert dark != light
    assert icon("folder").pixmap(20, 20).toImage() == light
