"""Engine test fixtures shared by several modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.fal_support import fal_fake
from tests.engine.local_support import detailed_image
from tests.fakes.fal_server import FakeFal
from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return detailed_image(tmp_path / "source.png")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFal]:
    """A loopback fal the fal backend reaches the app's way (test_openai_vision has its own)."""
    with fal_fake(monkeypatch) as server:
        yield server


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """A loopback OpenAI with its key set: the engine's planner and writer use it."""
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", server.key)
        yield server
