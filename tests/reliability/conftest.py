"""The reliability campaign's fixtures: the fake fal, reached the app's way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.engine.fal_support import fal_fake
from tests.fakes.fal_server import FakeFal


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeFal]:
    with fal_fake(monkeypatch) as server:
        yield server
