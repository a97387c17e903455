"""Starting the app: the frame paints first, then the pages arrive; prefs read like Settings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.engine.settings import Settings
from scenemaker_desktop.gui import startup_prefs
from scenemaker_desktop.gui.main_window import MainWindow
from scenemaker_desktop.gui.theme import apply_theme, icon, system_variant
from tests.gui.helpers import WAIT_MS


def test_startup_prefs_read_the_same_file_the_engine_writes(home: Path):
    paths = AppPaths.from_environment()
    Settings(theme="light", window_geometry="AAAA", system_theme="dark").save(paths.settings_file)

    assert startup_prefs.peek() == startup_prefs.StartupPrefs("light", "AAAA", "dark")


def test_startup_prefs_fall_back_to_defaults_on_a_damaged_file(home: Path):
    path = AppPaths.from_environment().settings_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert startup_prefs.peek() == startup_prefs.StartupPrefs()

    path.write_text(json.dumps({"theme": 3, "window_geometry": "AAAA", "system_theme": None}))
    assert startup_prefs.peek() == startup_prefs.StartupPrefs(window_geometry="AAAA")


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


def test_a_wrong_guess_at_the_desktop_scheme_is_corrected_and_remembered(qtbot, qapp, home):
    # The first frame paints in the scheme seen last time; the desktop has changed since
    # (offscreen Qt reports no scheme, which reads as light).
    Settings(system_theme="dark").save(AppPaths.from_environment().settings_file)
    prefs = startup_prefs.peek()
    assert apply_theme(qapp, prefs.theme, system=prefs.system_theme) == "dark"
    window = MainWindow.starting(prefs)
    qtbot.addWidget(window)

    with qtbot.waitSignal(window.attached, timeout=WAIT_MS):
        window.show()

    assert qapp.property("themeVariant") == system_variant() == "light"
    window.close()
    assert startup_prefs.peek().system_theme == "light"


def test_a_chosen_theme_is_kept_whatever_the_desktop_says(window, qapp):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    apply_theme(qapp, "dark")
    QGuiApplication.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)  # the desktop
    assert qapp.property("themeVariant") == "dark"


# What the app runs before its first paint, as run_app does it. PySide6 builds all the
# Python enums of a type the first time Python touches it; the Qt namespace (~100 enums)
# and QStyle alone cost about 45 ms, a third of a bare window's start-up.
_FIRST_FRAME = """
import enum, os, sys
created = []
original = enum.EnumType._create_
def record(cls, name, *args, **kwargs):
    created.append(name)
    return original(cls, name, *args, **kwargs)
enum.EnumType._create_ = record
from PySide6.QtCore import QEvent, QObject
from scenemaker_desktop.gui.app import make_app
from scenemaker_desktop.gui import startup_prefs
from scenemaker_desktop.gui.main_window import MainWindow
from scenemaker_desktop.gui.theme import apply_theme
app = make_app()
prefs = startup_prefs.peek()
apply_theme(app, prefs.theme, system=prefs.system_theme or "light")
window = MainWindow.starting(prefs)

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(" ".join(created), flush=True)
            os._exit(0)
        return False

watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
app.exec()
"""


def test_the_first_frame_does_not_build_the_qt_or_qstyle_enums(home: Path):
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_FRAME], capture_output=True, text=True, timeout=120
    )
    created = out.stdout.split()

    assert out.returncode == 0, out.stderr[-2000:]
    assert "ColorRole" in created  # the recorder works: QPalette's enums are needed
    for enum_of_qt in ("AlignmentFlag", "Key", "ColorScheme"):  # Qt namespace
        assert enum_of_qt not in created
    assert "PixelMetric" not in created  # QStyle
