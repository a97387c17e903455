"""What the window needs before its first paint: theme and geometry from the settings file.

Only the settings module is loaded here (json and dataclasses); the rest of the
engine (session store, backends) waits until the frame is on screen
(MainWindow.attach builds the engine).
"""

from __future__ import annotations

from typing import NamedTuple

from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.engine.settings import Settings


class StartupPrefs(NamedTuple):
    theme: str = "system"
    window_geometry: str = ""
    system_theme: str = ""
    """The desktop's scheme when the app last looked ('' before the first run): the
    first frame's guess, since asking Qt costs the first paint (see theme.system_variant)."""


def peek() -> StartupPrefs:
    """The prefs from the settings file; defaults for whatever is missing or odd."""
    settings = Settings.load(AppPaths.from_environment().settings_file)
    return StartupPrefs(settings.theme, settings.window_geometry, settings.system_theme)
