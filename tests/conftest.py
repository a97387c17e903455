"""Shared test set-up: a private SCENEMAKER_HOME per test, no real keys, no
real keyring, and no connection beyond 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tests.fakes import network_guard
from tests.keyring_memory import MemoryKeyring

REPO = Path(__file__).resolve().parent.parent
SAMPLE_IMAGE = REPO / "resources" / "sample_coast.jpg"
# Local Preview at its cheapest: enough to exercise a whole session in a second or two.
TINY_LOCAL = ("--set", "resolution=360p", "--set", "duration=2", "--set", "fps=12")
_SCRUBBED = (
    "FAL_KEY",
    "FAL_API_KEY",
    "OUTPUT_DIR",
    "SCENEMAKER_API_TOKEN",
    "OPENAI_API_KEY",
    "SCENEMAKER_FAL_URL",
    "OPENAI_BASE_URL",
    "SCENEMAKER_HOME",
)


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    network_guard.install()
    yield
    network_guard.uninstall()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _SCRUBBED:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("SCENEMAKER_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return home


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(fail.Keyring())


@pytest.fixture
def sample_image() -> Path:
    return SAMPLE_IMAGE


@pytest.fixture
def engine(home: Path):
    """The engine as a front makes it, in this test's home."""
    from scenemaker_desktop.engine.facade import Engine

    return Engine.from_environment()


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_cli(home: Path) -> CliRunner:
    """Run ``python -m scenemaker_desktop ARGS`` as a user would, in this test's home."""

    def run(*args: str, timeout: float = 240, env: dict[str, str] | None = None):
        full_env = {**os.environ, "SCENEMAKER_HOME": str(home), **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "scenemaker_desktop", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=full_env,
            cwd=REPO,
        )

    return run
