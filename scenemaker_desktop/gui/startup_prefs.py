"""The two settings the window needs before its first paint: theme and geometry.

Loading the engine's Settings pulls in the session store and friends, which
would delay the first paint; the window frame only needs two strings, read
here with nothing but json. The full Settings load happens right after the
frame is on screen (MainWindow.attach). ``settings_file()`` must agree with
``engine.settings.AppPaths`` (a test checks that it does).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NamedTuple

APP_NAME = "SceneMaker"


class StartupPrefs(NamedTuple):  # not a dataclass: importing dataclasses costs the first paint
    theme: str = "system"
    window_geometry: str = ""


def settings_file() -> Path:
    home = os.environ.get("SCENEMAKER_HOME", "").strip()
    if home:
        return Path(home).expanduser() / "settings.json"
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "settings.json"


def peek() -> StartupPrefs:
    """Theme and geometry from the settings file; defaults when it is missing or odd."""
    try:
        raw = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StartupPrefs()
    if not isinstance(raw, dict):
        return StartupPrefs()
    theme, geometry = raw.get("theme"), raw.get("window_geometry")
    return StartupPrefs(
        theme=theme if isinstance(theme, str) else "system",
        window_geometry=geometry if isinstance(geometry, str) else "",
    )
