"""The user's settings as one typed object (where files live: ``engine.paths``).

Settings are a plain JSON file; defaults live here in code, unknown keys are
ignored with a warning (a newer version may have written them). No secrets:
keys go through ``engine.secrets``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.errors import StorageError

log = logging.getLogger(__name__)


@dataclass
class Settings:
    default_model: str = ""
    """Empty: WAN when a fal key is configured, Local Preview otherwise."""
    openai_model: str = "gpt-4.1-mini"
    sessions_dir: str = ""
    parallel_jobs: int = 2
    confirm_spending: bool = True
    """Ask before cancelling, resuming, retrying or quitting paid jobs."""
    export_dir: str = ""
    """Where the last export went; the next one starts there."""
    theme: str = "system"
    last_model: str = ""
    last_params: dict[str, Any] = field(default_factory=dict)
    window_geometry: str = ""
    system_theme: str = ""
    """The desktop's colour scheme when last seen, so the next start paints in it at once."""
    storyboard: dict[str, Any] = field(default_factory=dict)
    """The app's storyboard as the artist left it: {"plan": StoryPlan JSON, "stale": bool}."""

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
            # Imported here: the GUI loads settings before its first paint, saves later.
            from scenemaker_desktop.engine.sessions.store import write_json_atomic

            write_json_atomic(path, asdict(self))
        except OSError as exc:
            raise StorageError(f"cannot save settings to {path}: {exc.strerror or exc}") from None
