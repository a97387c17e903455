"""A paid request is never paid for again without the user being told, and a cancel is
answered at once wherever the run is: upload, submit, back-off, download."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scenemaker_desktop.engine.backends.base import ClipResult
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SESSION_FILE, SessionStore
from scenemaker_desktop.engine.vision.service import Vision
from tests.engine.fal_support import InThread, Progress, generator, make_job, wait_for
from tests.fakes.fal_jobs import JobPlan, JobState
from tests.fakes.fal_server import FakeFal
from tests.fakes.loopback import Fault
from tests.fakes.scripted_generator import ScriptedGenerator
from tests.reliability.support import cloud_session, requests_by_chain, run

QUICKLY_S = 1.0


def test_a_cancel_while_a_finished_clip_downloads_keeps_the_paid_request(
    fake: FakeFal, tmp_path: Path
):
    store = SessionStore(tmp_path / "sessions")
    session = cloud_session(store, tmp_path)
    fake.slow_downloads(chunk_size=4096, chunk_delay=0.05)
    token = CancelToken()
    running = InThread(lambda: run(store, session.id, cancel=token))
    wait_for(lambda: fake.count("download") >= 1, "the clip downloading")

    token.cancel()
    running.join()

    cancelled = running.result
    assert cancelled.status is SessionStatus.CANCELLED
    assert [r.status for r in fake.requests("cancel")] == [400]  # ALREADY_COMPLETED
    (paid,) = fake.jobs.all()
    assert cancelled.chains[0].fal_request_id == paid.request_id
    assert cancelled.chains[0].abandoned_request_ids == []

    fake.slow_downloads(0, 0.0)
    done = run(store, session.id)
    assert done.status is SessionStatus.COMPLETED
    assert [len(ids) for ids in requests_by_chain(done)] == [1, 1]
    assert len(fake.jobs.all()) == 2


def test_a_run_killed_between_sending_and_saving_the_id_is_told_not_hidden(
    tmp_path: Path, sample_image: Path
):
    from scenemaker_desktop.engine.catalog import build_request
    from scenemaker_desktop.engine.sessions.intake import create_session

    class DiesWhileSending(ScriptedGenerator):
        def submit(self, job, cancel, on_sending=lambda: None):
            on_sending()
            self.submits.append(job.chain_index)
            raise KeyboardInterrupt  # as good as kill -9: nothing after this runs

    store = SessionStore(tmp_path / "sessions")
    session = create_session(store, sample_image, build_request("wan", "the beam sweeps", 1))
    with pytest.raises(KeyboardInterrupt):
        _runner(store, DiesWhileSending()).run(session.id)
    assert store.load(session.id).chains[0].submitting_since is not None

    generator = ScriptedGenerator()
    told = _runner(store, generator).run(session.id)
    assert told.status is SessionStatus.FAILED and generator.submits == []
    assert "fal may have charged for a job we cannot see (≈ $0.40)" in told.error
    assert told.error.endswith("resume to submit it again")
    assert [(c.confirmed, c.request_id) for c in told.cost_log] == [(False, None)]

    done = _runner(store, generator).run(session.id)  # the user resumes: now it is sent
    assert done.status is SessionStatus.COMPLETED and generator.submits == [0]


def _runner(store: SessionStore, generator) -> ChainRunner:
    services = RunnerServices(generator, Vision())
    return ChainRunner(store, lambda request: services)


def test_the_request_id_is_saved_before_anything_else_after_the_answer(
    tmp_path: Path, sample_image: Path
):
    from scenemaker_desktop.engine.catalog import build_request
    from scenemaker_desktop.engine.sessions.intake import create_session

    seen: list[tuple[str | None, str | None]] = []

    class Watching(ScriptedGenerator):
        def wait(self, request_id, job, on_progress, cancel) -> ClipResult:
            import json

            chain = json.loads((job.output.parent.parent / SESSION_FILE).read_text())["chains"][0]
            seen.append((chain["fal_request_id"], chain["submitting_since"]))
            return super().wait(request_id, job, on_progress, cancel)

    store = SessionStore(tmp_path / "sessions")
    session = create_session(store, sample_image, build_request("wan", "the beam sweeps", 1))
    _runner(store, Watching()).run(session.id)
    assert seen == [("req-1-chain0", None)]


def test_a_cancel_during_a_stalled_upload_is_answered_at_once_and_submits_nothing(
    fake: FakeFal, tmp_path: Path
):
    fake.script("upload", Fault(delay=3.0))
    gen, token = generator("wan"), CancelToken()
    submitting = InThread(lambda: gen.submit(make_job(tmp_path, "wan"), token))
    wait_for(lambda: fake.count("upload") >= 1 or fake.pending_faults("upload") == 0, "upload")
    started = time.monotonic()

    token.cancel()
    submitting.join()

    assert isinstance(submitting.error, Cancelled)
    assert time.monotonic() - started < QUICKLY_S
    time.sleep(3.2)  # the stalled upload finishes at fal: still nothing is submitted
    assert fake.count("submit") == 0


def test_a_cancel_during_submit_back_off_is_answered_at_once_and_submits_nothing_more(
    fake: FakeFal, tmp_path: Path
):
    from dataclasses import replace

    from tests.engine.fal_support import FAST

    fake.script("submit", Fault(503, headers=(("Retry-After", "5"),)), times=5)
    gen = generator("wan", limits=replace(FAST, backoff_max=10.0))
    token = CancelToken()
    submitting = InThread(lambda: gen.submit(make_job(tmp_path, "wan"), token))
    wait_for(lambda: fake.count("submit") >= 1, "the first submit")
    started = time.monotonic()

    token.cancel()
    submitting.join()

    assert isinstance(submitting.error, Cancelled)
    assert time.monotonic() - started < QUICKLY_S
    assert fake.count("submit") == 1 and fake.jobs.all() == []


def test_a_cancel_while_the_submit_is_in_flight_waits_briefly_for_its_answer(
    fake: FakeFal, tmp_path: Path
):
    # The answer comes within the grace: the job is known, and the runner cancels it.
    store = SessionStore(tmp_path / "sessions")
    session = cloud_session(store, tmp_path, chains=1)
    fake.script("submit", Fault(delay=0.4))
    token = CancelToken()
    running = InThread(lambda: run(store, session.id, cancel=token))
    wait_for(lambda: fake.count("upload") >= 1, "the upload")
    time.sleep(0.1)  # now the submit is on its way

    token.cancel()
    running.join()

    (job,) = fake.jobs.all()
    wait_for(lambda: job.state is JobState.CANCELLED, "fal cancelling the job")
    cancelled = running.result
    assert cancelled.status is SessionStatus.CANCELLED
    assert cancelled.chains[0].abandoned_request_ids == [job.request_id]


def test_a_failed_job_keeps_its_reason_when_the_result_fetch_fails_too(
    fake: FakeFal, tmp_path: Path
):
    from tests.fakes.fal_jobs import JobError
    from tests.fakes.fal_server import ingress_fault

    fake.plan = JobPlan(error=JobError(500, "CUDA out of memory", "runner_server_error"))
    fake.script("result", ingress_fault(502))
    gen, job = generator("kling"), make_job(tmp_path, "kling")
    request_id = gen.submit(job, CancelToken())

    with pytest.raises(Exception) as caught:
        gen.wait(request_id, job, Progress(), CancelToken())

    assert str(caught.value) == "kling: fal could not make the clip: CUDA out of memory"


def test_a_cancelled_chain_of_a_finished_job_is_collected_on_resume_not_resubmitted(
    fake: FakeFal, tmp_path: Path
):
    # Finished at fal while the runner was told to stop: the chain reads cancelled, the id
    # stays, and resume downloads that clip.
    store = SessionStore(tmp_path / "sessions")
    session = cloud_session(store, tmp_path, chains=1)
    fake.plan = JobPlan(hold=True)
    token = CancelToken()
    running = InThread(lambda: run(store, session.id, cancel=token))
    wait_for(lambda: fake.count("status") >= 1, "a status poll")
    fake.release()
    wait_for(lambda: fake.jobs.all()[0].state is JobState.COMPLETED, "the job done")
    token.cancel()
    running.join()

    assert [r.status for r in fake.requests("cancel")] in ([], [400])  # asked once at most
    done = run(store, session.id)
    assert done.status is SessionStatus.COMPLETED and len(fake.jobs.all()) == 1
