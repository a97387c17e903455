"""Run with an installed SceneMaker's own Python (test_wheel_install.py): paints the app's first
frame offscreen, as ``scenemaker gui`` does, and prints one JSON line saying where the package
and its resources were loaded from and what the frame looks like.

PYTHONPATH holds tests/fakes only, for the network guard: the repository itself stays off
sys.path, so the package can only come from the installed copy.
"""

from __future__ import annotations

import json
import re

import network_guard

network_guard.install()

import scenemaker_desktop  # noqa: E402
from scenemaker_desktop.gui import startup_prefs  # noqa: E402
from scenemaker_desktop.gui.app import make_app  # noqa: E402
from scenemaker_desktop.gui.main_window import MainWindow  # noqa: E402
from scenemaker_desktop.gui.theme import apply_theme  # noqa: E402
from scenemaker_desktop.resources_path import resources_root  # noqa: E402


def first_frame() -> dict[str, object]:
    app = make_app()
    prefs = startup_prefs.peek()
    variant = apply_theme(app, prefs.theme, system=prefs.system_theme or "light")
    window = MainWindow.starting(prefs)
    window.show()
    frame = window.grab().toImage()
    sheet = app.styleSheet()
    report = {
        "package": scenemaker_desktop.__file__,
        "resources": str(resources_root()),
        "variant": variant,
        "style_sheet_chars": len(sheet),
        "style_sheet_files": sorted(set(re.findall(r"url\(([^)]+)\)", sheet))),
        "window_icon_null": window.windowIcon().isNull(),
        # Inside the top bar's padding: the style sheet paints it; plain Fusion would not.
        "top_bar_colour": frame.pixelColor(frame.width() - 3, 3).name(),
    }
    window.close()
    return report


if __name__ == "__main__":
    print(json.dumps(first_frame()))
