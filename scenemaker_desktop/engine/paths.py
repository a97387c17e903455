"""Where SceneMaker keeps its files: one folder when SCENEMAKER_HOME is set, else the platform's.

``OUTPUT_DIR`` (the old web app's name) sets the sessions folder alone and wins
over both; settings and keys stay where the rest says.

Its own small module because the desktop app needs these paths before its first
paint (crash log, settings file) and must not pay for the rest of the engine there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scenemaker_desktop.engine.settings import Settings

APP_NAME = "SceneMaker"
HOME_ENV = "SCENEMAKER_HOME"
SESSIONS_ENV = "OUTPUT_DIR"


@dataclass(frozen=True)
class AppPaths:
    home: Path
    settings_file: Path
    logs: Path

    @classmethod
    def from_environment(cls) -> AppPaths:
        """``SCENEMAKER_HOME`` holds everything when set; else the platform's folders."""
        home_env = os.environ.get(HOME_ENV, "").strip()
        if home_env:
            home = Path(home_env).expanduser()
            return cls(home=home, settings_file=home / "settings.json", logs=home / "logs")
        import platformdirs  # only needed (and only paid for) without SCENEMAKER_HOME

        return cls(
            home=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            settings_file=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            / "settings.json",
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def pinned_sessions_dir(self) -> tuple[str, Path] | None:
        """The sessions folder when the environment sets it, and the variable that does."""
        output = os.environ.get(SESSIONS_ENV, "").strip()
        if output:
            return SESSIONS_ENV, Path(output).expanduser()
        if os.environ.get(HOME_ENV, "").strip():
            return HOME_ENV, self.home / "sessions"
        return None

    def sessions_dir(self, settings: Settings) -> Path:
        pinned = self.pinned_sessions_dir()
        if pinned is not None:
            return pinned[1]
        if settings.sessions_dir:
            return Path(settings.sessions_dir).expanduser()
        return self.home / "sessions"
