"""What the window needs before its first paint: theme and geometry, read with json alone.

Loading the engine's Settings pulls in the rest of the engine, which would delay
the first paint; the window frame only needs a few strings from the same file.
The full Settings load happens right after the frame is on screen
(MainWindow.attach).
"""

from __future__ import annotations

import json
from typing import NamedTuple

from scenemaker_desktop.engine.paths import AppPaths


class StartupPrefs(NamedTuple):
    theme: str = "system"
    window_geometry: str = ""
    system_theme: str = ""
    """The desktop's scheme when the app last looked ('' before the first run): the
    first frame's guess, since asking Qt costs the first paint (see theme.system_variant)."""


def peek() -> StartupPrefs:
    """The prefs from the settings file; defaults for whatever is missing or odd."""
    try:
        raw = json.loads(AppPaths.from_environment().settings_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return StartupPrefs()
    if not isinstance(raw, dict):
        return StartupPrefs()
    return StartupPrefs(
        **{name: raw[name] for name in StartupPrefs._fields if isinstance(raw.get(name), str)}
    )
