"""A snapshot of what SceneMaker needs to work: keys, ffmpeg, the sessions folder.

``scenemaker health``, the app's status bar and the REST server's /health all
read this one snapshot. Taking it touches the keyring, runs ffmpeg once and
writes a probe file, so the app takes it on a worker thread.
"""

from __future__ import annotations

import importlib.util
import subprocess
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe
from scenemaker_desktop.engine.secrets import SERVICES, KeyInfo, Secrets
from scenemaker_desktop.engine.sessions.store import SessionStore

FFMPEG_TIMEOUT_S = 20


@dataclass(frozen=True)
class FfmpegCheck:
    found: bool
    path: str | None
    version: str | None
    error: str | None = None

    @property
    def detail(self) -> str:
        """The binary's path when found, else why not."""
        return self.path if self.found and self.path else self.error or "not found"


@dataclass(frozen=True)
class StorageCheck:
    path: Path
    writable: bool
    error: str | None = None


@dataclass(frozen=True)
class Health:
    keys: dict[str, KeyInfo]
    """Where each service's key comes from, by service id (never the key itself)."""
    ffmpeg: FfmpegCheck
    storage: StorageCheck
    default_model: str
    """The model a new session uses unless one is chosen."""
    gui_available: bool

    @property
    def ok(self) -> bool:
        """Everything Local Preview needs is there (keys are optional)."""
        return self.ffmpeg.found and self.storage.writable

    def key_configured(self, service_id: str) -> bool:
        return self.keys[service_id].configured


def check_health(secrets: Secrets, store: SessionStore, default_model: str) -> Health:
    return Health(
        keys={service.id: secrets.info(service.id) for service in SERVICES},
        ffmpeg=check_ffmpeg(),
        storage=check_storage(store),
        default_model=default_model,
        gui_available=importlib.util.find_spec("PySide6") is not None,
    )


def check_ffmpeg() -> FfmpegCheck:
    try:
        exe = ffmpeg_exe()
        out = subprocess.run(
            [exe, "-version"], capture_output=True, text=True, timeout=FFMPEG_TIMEOUT_S
        )
    except (SceneMakerError, OSError, subprocess.SubprocessError) as exc:
        return FfmpegCheck(False, None, None, str(exc))
    version = out.stdout.split("\n")[0].split(" Copyright")[0]
    if out.returncode != 0:
        return FfmpegCheck(False, exe, None, f"{exe} -version failed (exit {out.returncode})")
    return FfmpegCheck(True, exe, version)


def check_storage(store: SessionStore) -> StorageCheck:
    try:
        store.ensure_writable()
    except SceneMakerError as exc:
        return StorageCheck(store.root, False, str(exc))
    return StorageCheck(store.root, True)
