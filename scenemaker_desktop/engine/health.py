"""A snapshot of what the app needs to work: keys, ffmpeg, the sessions folder.

The GUI's status bar shows it; computing it touches the keyring and the disk,
so the GUI calls ``check_health`` on a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe
from scenemaker_desktop.engine.secrets import KeyInfo, Secrets

SERVICES = ("fal", "openai")


@dataclass(frozen=True)
class Health:
    keys: dict[str, KeyInfo]
    ffmpeg_found: bool
    ffmpeg_detail: str
    """The binary's path when found, else why not."""
    sessions_dir: Path

    @property
    def fal_configured(self) -> bool:
        return self.keys["fal"].configured


def check_health(secrets: Secrets, sessions_dir: Path) -> Health:
    keys = {service: secrets.info(service) for service in SERVICES}
    try:
        found, detail = True, ffmpeg_exe()
    except SceneMakerError as exc:
        found, detail = False, str(exc)
    return Health(keys=keys, ffmpeg_found=found, ffmpeg_detail=detail, sessions_dir=sessions_dir)
