"""Fixtures shared by the tests of the fakes themselves."""

from __future__ import annotations

from collections.abc import Iterator

import fal_client
import pytest

from tests.fakes.fal_redirect import point_fal_client_at
from tests.fakes.fal_server import FakeFal


@pytest.fixture
def fake() -> Iterator[FakeFal]:
    """A fake fal with the real fal-client pointed at it (undone afterwards)."""
    with FakeFal() as server:
        undo = point_fal_client_at(server.base_url)
        try:
            yield server
        finally:
            undo()


@pytest.fixture
def client(fake: FakeFal) -> fal_client.SyncClient:
    return fal_client.SyncClient(key=fake.key)
