from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.errors import GenerationError
from scenemaker_desktop.engine.events import ChainFinishedEvent, ProgressEvent, SessionFinishedEvent
from scenemaker_desktop.engine.media import probe
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import ChainStatus, SessionStatus
from scenemaker_desktop.engine.sessions.store import SESSION_FILE, SessionStore
from scenemaker_desktop.engine.vision.service import Vision
from tests.fakes.scripted_generator import FRAMES, ScriptedGenerator


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def _runner(store, generator, events=None, cancel=None) -> ChainRunner:
    services = RunnerServices(generator, Vision())
    sink = events.append if events is not None else (lambda e: None)
    return ChainRunner(store, lambda request: services, sink, cancel)


def _stop_while_stalled(store, generator, session_id, how: str):
    """Run the session on a thread; once the generator stalls, stop it with the token's
    ``how`` ("cancel" or "interrupt"); return the session's end state."""
    token = CancelToken()
    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(_runner(store, generator, None, token).run(session_id))
    )
    worker.start()
    assert generator.stalled.wait(60)
    getattr(token, how)()
    worker.join(60)
    return result[0]


def _session(store, image, chains=3, **overrides):
    return create_session(
        store, image, build_request("wan", "she walks into the fog", chains, overrides)
    )


def test_three_chains_complete_and_the_final_video_is_cut_at_each_seed_frame(store, sample_image):
    generator = ScriptedGenerator()
    events: list = []
    session = _runner(store, generator, events).run(_session(store, sample_image).id)
    assert session.status is SessionStatus.COMPLETED
    assert [c.status for c in session.chains] == [ChainStatus.COMPLETED] * 3
    cut = [c.seed_frame_index for c in session.chains[:-1]]
    assert all(i is not None and 0 < i < FRAMES for i in cut)
    final = probe(store.folder(session.id) / "final.mp4")
    assert final.frame_count == sum(cut) + FRAMES
    assert session.chains[2].seed_frame is None
    assert (store.folder(session.id) / session.chains[0].seed_frame).is_file()
    overall = [e.overall for e in events if isinstance(e, ProgressEvent)]
    assert overall == sorted(overall) and overall[-1] == 1.0
    assert [e.chain_index for e in events if isinstance(e, ChainFinishedEvent)] == [0, 1, 2]
    finished = [e for e in events if isinstance(e, SessionFinishedEvent)]
    assert finished[-1].status is SessionStatus.COMPLETED and finished[-1].final_video.is_file()


def test_prompts_differ_per_chain_and_analysis_is_saved(store, sample_image):
    session = _runner(store, ScriptedGenerator()).run(_session(store, sample_image).id)
    prompts = [c.prompt for c in session.chains]
    assert len(set(prompts)) == 3 and all(prompts)
    assert session.analysis["action_direction"] == "she walks into the fog"
    assert session.analysis_source == "offline"


def test_request_id_is_on_disk_before_the_first_poll(store, sample_image):
    seen_on_disk: list[str | None] = []

    class Checking(ScriptedGenerator):
        def wait(self, request_id, job, on_progress, cancel):
            data = json.loads((job.output.parent.parent / SESSION_FILE).read_text())
            seen_on_disk.append(data["chains"][job.chain_index]["fal_request_id"])
            assert seen_on_disk[-1] == request_id
            return super().wait(request_id, job, on_progress, cancel)

    _runner(store, Checking()).run(_session(store, sample_image, chains=2).id)
    assert len(seen_on_disk) == 2 and all(seen_on_disk)


def test_resume_repolls_saved_request_instead_of_resubmitting(store, sample_image):
    generator = ScriptedGenerator(
        fail_on_chain={1: GenerationError("fal did not answer after 5 tries", retryable=True)}
    )
    session = _session(store, sample_image)
    failed = _runner(store, generator).run(session.id)
    assert failed.status is SessionStatus.FAILED
    assert failed.error == "fal did not answer after 5 tries"
    saved_id = failed.chains[1].fal_request_id
    assert saved_id and failed.chains[0].status is ChainStatus.COMPLETED

    resumed = _runner(store, generator).run(session.id)
    assert resumed.status is SessionStatus.COMPLETED
    assert generator.submits == [0, 1, 2]
    assert generator.waits.count(saved_id) == 2


def test_a_job_that_failed_for_good_is_submitted_again_on_resume(store, sample_image):
    generator = ScriptedGenerator(fail_on_chain={0: GenerationError("fal: content rejected")})
    session = _session(store, sample_image, chains=2)
    failed = _runner(store, generator).run(session.id)
    assert failed.chains[0].status is ChainStatus.FAILED
    assert failed.chains[0].fal_request_id is None
    assert failed.chains[0].abandoned_request_ids
    resumed = _runner(store, generator).run(session.id)
    assert resumed.status is SessionStatus.COMPLETED
    assert generator.submits == [0, 0, 1]


def test_cancel_during_a_chain_cancels_the_remote_request_and_resume_finishes(store, sample_image):
    generator = ScriptedGenerator(stall_on_chain=1)
    session = _session(store, sample_image)
    cancelled = _stop_while_stalled(store, generator, session.id, "cancel")
    assert cancelled.status is SessionStatus.CANCELLED
    assert cancelled.chains[1].status is ChainStatus.CANCELLED
    assert generator.cancels == ["req-2-chain1"]
    on_disk = json.loads((store.folder(session.id) / SESSION_FILE).read_text())
    assert on_disk["status"] == "cancelled"

    generator.stall_on_chain = None
    resumed = _runner(store, generator).run(session.id)
    assert resumed.status is SessionStatus.COMPLETED
    assert generator.submits == [0, 1, 1, 2]


def test_cost_counts_every_submitted_clip(store, sample_image):
    generator = ScriptedGenerator(fail_on_chain={1: GenerationError("boom")})
    session = _session(store, sample_image, chains=2, resolution="480p")
    _runner(store, generator).run(session.id)
    resumed = _runner(store, generator).run(session.id)
    assert resumed.cost_usd == pytest.approx(0.60)
    assert [c.cost_usd for c in resumed.chains] == [pytest.approx(0.20), pytest.approx(0.40)]


def test_fast_seams_keep_whole_clips_and_seed_from_the_last_frame(store, sample_image):
    session = _session(store, sample_image, chains=2, seam="fast")
    done = _runner(store, ScriptedGenerator()).run(session.id)
    assert done.chains[0].seed_frame_index == FRAMES - 1
    assert probe(store.folder(session.id) / "final.mp4").frame_count == 2 * FRAMES


def test_running_a_completed_session_again_changes_nothing(store, sample_image):
    generator = ScriptedGenerator()
    session = _session(store, sample_image, chains=1)
    _runner(store, generator).run(session.id)
    again = _runner(store, generator).run(session.id)
    assert again.status is SessionStatus.COMPLETED and generator.submits == [0]


def test_closing_the_app_keeps_the_paid_request_and_resume_repolls_it(store, sample_image):
    generator = ScriptedGenerator(stall_on_chain=1)
    session = _session(store, sample_image)
    stopped = _stop_while_stalled(store, generator, session.id, "interrupt")
    assert stopped.status is SessionStatus.INTERRUPTED
    assert generator.cancels == []
    saved_id = stopped.chains[1].fal_request_id
    assert saved_id and not stopped.chains[1].abandoned_request_ids

    generator.stall_on_chain = None
    resumed = _runner(store, generator).run(session.id)
    assert resumed.status is SessionStatus.COMPLETED
    assert generator.submits == [0, 1, 2]
    assert generator.waits.count(saved_id) == 2


def test_cancelling_a_resumed_session_before_it_polls_still_cancels_the_saved_request(
    store, sample_image
):
    generator = ScriptedGenerator(stall_on_chain=1)
    session = _session(store, sample_image)
    stopped = _stop_while_stalled(store, generator, session.id, "interrupt")
    saved_id = stopped.chains[1].fal_request_id
    token = CancelToken()
    token.cancel()  # the user cancels the resumed session while it still waits for a slot

    cancelled = _runner(store, generator, cancel=token).run(session.id)

    assert cancelled.status is SessionStatus.CANCELLED
    assert generator.cancels == [saved_id]
    assert cancelled.chains[1].fal_request_id is None
    assert cancelled.chains[1].abandoned_request_ids == [saved_id]
