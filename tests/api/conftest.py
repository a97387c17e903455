"""API tests run a real server process (uvicorn on 127.0.0.1) and talk HTTP to it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server import Server, start_server

# Local Preview at its cheapest, as the API's `params` extension takes it.
TINY = {"resolution": "360p", "duration": 2, "fps": 12}
LOCAL = {"model_type": "Local Preview", "params": TINY}


@pytest.fixture
def server(home: Path) -> Iterator[Server]:
    """A server with no keys at all: Local Preview only."""
    running = start_server(home)
    yield running
    running.stop()
