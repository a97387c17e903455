"""Local Preview parameter sets and a stored session, for tests of any layer (no Qt here)."""

from __future__ import annotations

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import Session

TINY_LOCAL = {"resolution": "360p", "duration": 2, "fps": 12}
# Long enough to still be rendering when a test stops it; stopped long before it ends.
SLOW_LOCAL = {"resolution": "360p", "duration": 10, "fps": 30}


def stored_session(engine: Engine, chains: int = 1, params: dict | None = None) -> Session:
    """A queued session made through the engine's intake, as `scenemaker generate` does."""
    from tests.conftest import SAMPLE_IMAGE

    request = build_request("local", "slow push in toward the sea", chains, params or TINY_LOCAL)
    return engine.create_session(SAMPLE_IMAGE, request)
