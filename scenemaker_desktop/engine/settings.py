"""Where things live, and the user's settings as one typed object.

Settings are a plain JSON file; defaults live here in code, unknown keys are
ignored with a warning (a newer version may have written them). No secrets:
keys go through ``engine.secrets``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from scenemaker_desktop.engine.errors import StorageError
from scenemaker_desktop.engine.sessions.store import write_json_atomic

APP_NAME = "SceneMaker"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppPaths:
    home: Path
    settings_file: Path
    logs: Path

    @classmethod
    def from_environment(cls) -> AppPaths:
        """``SCENEMAKER_HOME`` holds everything when set; else the platform's folders."""
        home_env = os.environ.get("SCENEMAKER_HOME", "").strip()
        if home_env:
            home = Path(home_env).expanduser()
            return cls(home=home, settings_file=home / "settings.json", logs=home / "logs")
        return cls(
            home=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            settings_file=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
            / "settings.json",
            logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def sessions_dir(self, settings: Settings) -> Path:
        if os.environ.get("SCENEMAKER_HOME", "").strip() or not settings.sessions_dir:
            return self.home / "sessions"
        return Path(settings.sessions_dir).expanduser()


@dataclass
class Settings:
    default_model: str = ""
    """Empty: WAN when a fal key is configured, Local Preview otherwise."""
    openai_model: str = "gpt-4.1-mini"
    sessions_dir: str = ""
    parallel_jobs: int = 2
    theme: str = "system"
    last_model: str = ""
    last_params: dict[str, Any] = field(default_factory=dict)
    window_geometry: str = ""

    @classmethod
    def load(cls, path: Path) -> Settings:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            return cls()
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            return cls()
        if not isinstance(raw, dict):
            log.warning("settings file %s is not an object; using defaults", path)
            return cls()
        return cls._from_dict(raw)

    @classmethod
    def _from_dict(cls, raw: dict[str, Any]) -> Settings:
        defaults = cls()
        values: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        for key, value in raw.items():
            if key not in known:
                log.warning("ignoring unknown setting %r", key)
                continue
            expected = type(getattr(defaults, key))
            if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
                values[key] = value
            else:
                log.warning("ignoring setting %r: expected %s", key, expected.__name__)
        settings = cls(**values)
        settings.parallel_jobs = min(max(settings.parallel_jobs, 1), 8)
        return settings

    def save(self, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_json_atomic(path, asdict(self))
        except OSError as exc:
            raise StorageError(f"cannot save settings to {path}: {exc.strerror or exc}") from None
