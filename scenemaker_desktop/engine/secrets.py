"""API keys: environment first, then the system keyring, then a private fallback file.

Keys never go into settings, sessions, logs or error messages. ``KeyInfo``
says where a key comes from so the GUI and ``scenemaker health`` can tell the
user without ever showing the value.
"""

from __future__ import annotations

import enum
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import StorageError

KEYRING_SERVICE = "SceneMaker"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    """A cloud service SceneMaker holds a key for."""

    id: str
    name: str
    """What people call it in a sentence: "fal", "OpenAI"."""
    key_label: str
    """The label of its key field in Settings: "fal.ai key"."""
    env_vars: tuple[str, ...]
    """Environment variables that override any stored key, the first found wins
    (``FAL_API_KEY`` is the old web app's name)."""


SERVICES: tuple[Service, ...] = (
    Service("fal", "fal", "fal.ai key", ("FAL_KEY", "FAL_API_KEY")),
    Service("openai", "OpenAI", "OpenAI key", ("OPENAI_API_KEY",)),
)


def service_named(service_id: str) -> Service:
    return next(s for s in SERVICES if s.id == service_id)


class KeySource(enum.Enum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    FILE = "file"
    NONE = "none"


@dataclass(frozen=True)
class KeyInfo:
    service: str
    source: KeySource
    where: str
    """Human words for the location, e.g. "environment variable FAL_KEY"."""

    @property
    def configured(self) -> bool:
        return self.source is not KeySource.NONE


class Secrets:
    """Reads and stores the fal and OpenAI keys."""

    def __init__(self, fallback_file: Path) -> None:
        self._fallback = fallback_file

    def get(self, service: str) -> str | None:
        return self._lookup(service)[0]

    def info(self, service: str) -> KeyInfo:
        return self._lookup(service)[1]

    def _lookup(self, service: str) -> tuple[str | None, KeyInfo]:
        for env in service_named(service).env_vars:
            value = os.environ.get(env, "").strip()
            if value:
                return value, KeyInfo(service, KeySource.ENVIRONMENT, f"environment variable {env}")
        value = self._keyring_get(service)
        if value:
            return value, KeyInfo(service, KeySource.KEYRING, "system keyring")
        value = self._read_file().get(service, "").strip()
        if value:
            return value, KeyInfo(service, KeySource.FILE, f"file {self._fallback}")
        return None, KeyInfo(service, KeySource.NONE, "not set")

    def store(self, service: str, value: str) -> KeyInfo:
        """Keep ``value`` in the keyring, or in the private file when no keyring exists."""
        value = value.strip()
        if not value:
            self.delete(service)
            return self.info(service)
        if self._keyring_set(service, value):
            self._write_file({k: v for k, v in self._read_file().items() if k != service})
            return KeyInfo(service, KeySource.KEYRING, "system keyring")
        data = self._read_file()
        data[service] = value
        self._write_file(data)
        return KeyInfo(service, KeySource.FILE, f"file {self._fallback}")

    def delete(self, service: str) -> None:
        try:
            import keyring

            keyring.delete_password(KEYRING_SERVICE, service)
        except Exception:
            pass
        data = self._read_file()
        if service in data:
            del data[service]
            self._write_file(data)

    def _keyring_get(self, service: str) -> str | None:
        try:
            import keyring

            return keyring.get_password(KEYRING_SERVICE, service)
        except Exception as exc:
            log.debug("keyring unavailable: %s", type(exc).__name__)
            return None

    def _keyring_set(self, service: str, value: str) -> bool:
        try:
            import keyring

            keyring.set_password(KEYRING_SERVICE, service, value)
            return True
        except Exception as exc:
            log.info("no usable keyring (%s); using %s", type(exc).__name__, self._fallback)
            return False

    def _read_file(self) -> dict[str, str]:
        try:
            data = json.loads(self._fallback.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )

    def _write_file(self, data: dict[str, str]) -> None:
        try:
            self._fallback.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._fallback, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            os.chmod(self._fallback, 0o600)
        except OSError as exc:
            raise StorageError(
                f"cannot store the key in {self._fallback}: {exc.strerror}"
            ) from None
