"""Making a session again from one chain on: earlier chains kept, replaced files kept aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import ChainStatus, SessionStatus
from scenemaker_desktop.engine.sessions.regenerate import REPLACED_DIR, regenerate_from
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.vision.service import Vision
from tests.conftest import SAMPLE_IMAGE
from tests.fakes.scripted_generator import ScriptedGenerator


def _finished(store: SessionStore, generator: ScriptedGenerator):
    session = create_session(store, SAMPLE_IMAGE, build_request("wan", "she turns", 3))
    services = RunnerServices(generator, Vision())
    return ChainRunner(store, lambda r: services).run(session.id), services


def test_regenerating_from_a_chain_keeps_the_ones_before_and_sets_the_rest_aside(tmp_path: Path):
    store = SessionStore(tmp_path / "sessions")
    generator = ScriptedGenerator()
    done, services = _finished(store, generator)
    folder = store.folder(done.id)
    first_video = (folder / done.chains[0].video).read_bytes()
    replaced = [done.chains[1].video, done.chains[2].video, done.final_video]

    reset = regenerate_from(store, done.id, 1)
    assert reset.status is SessionStatus.INTERRUPTED and reset.final_video is None
    assert reset.chains[0].status is ChainStatus.COMPLETED
    assert [c.status for c in reset.chains[1:]] == [ChainStatus.PENDING] * 2
    assert reset.chains[1].video is None and reset.chains[1].continuity.drift is None
    assert reset.chains[0].continuity.seam_jump is None  # its seam is made again too
    assert all(list((folder / REPLACED_DIR).glob(f"*/{name}")) for name in replaced)
    assert "chains 2–3 will be made again" in reset.notices[-1]

    again = ChainRunner(store, lambda r: services).run(done.id)
    assert again.status is SessionStatus.COMPLETED
    assert generator.submits == [0, 1, 2, 1, 2]  # chain 1 was not made twice
    assert (folder / again.chains[0].video).read_bytes() == first_video
    assert again.cost_usd == pytest.approx(5 * again.cost_log[0].usd)


def test_regenerate_refuses_a_chain_that_is_not_there(tmp_path: Path):
    store = SessionStore(tmp_path / "sessions")
    done, _ = _finished(store, ScriptedGenerator())
    with pytest.raises(ValidationError, match="no chain 4"):
        regenerate_from(store, done.id, 3)
