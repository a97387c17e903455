"""The API on the cloud models, against the fake fal: the server, its workers and fal-client
all talk real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenemaker_desktop.engine.catalog import build_request, estimate_cost
from tests.api.server import (
    Server,
    poll_until_done,
    post_generation,
    server_env,
    start_server,
    wait_for,
)
from tests.fakes.fal_jobs import JobPlan, JobState
from tests.fakes.fal_server import FakeFal

KEY = "api-fal-key-never-shown-5c1e"
WAN = {"action_direction": "the beam sweeps across the bay", "model_type": "WAN (Default)"}


@pytest.fixture
def fake() -> Iterator[FakeFal]:
    with FakeFal(key=KEY) as server:
        yield server


def _cloud_server(home: Path, fake: FakeFal, *args: str, key_name: str = "FAL_KEY") -> Server:
    env = server_env(home, SCENEMAKER_FAL_URL=fake.base_url, **{key_name: KEY})
    return start_server(home, *args, env=env)


def _session(home: Path, session_id: str) -> dict:
    return json.loads((home / "sessions" / session_id / "session.json").read_text())


def test_a_cloud_generation_completes_with_one_paid_request_per_chain(home, fake):
    server = _cloud_server(home, fake, key_name="FAL_API_KEY")  # the old app's variable
    try:
        with server.client() as client:
            config = client.get("/config").json()
            request = {**WAN, "num_chains": 2, "resolution": "480p", "kling_creativity": 0.7}
            session_id = post_generation(client, request).json()["session_id"]
            status = poll_until_done(client, session_id)
            video = client.get(f"/download-video/{session_id}")
    finally:
        server.stop()

    assert config["api_keys_configured"] is True
    assert status["status"] == "completed", status
    assert fake.count("submit") == 2 and fake.count("cancel") == 0
    per_clip = estimate_cost(build_request("wan", "x", 1, {"resolution": "480p"})).per_clip_usd
    assert status["cost_usd"] == pytest.approx(2 * per_clip)
    assert status["notices"] == [
        "kling_creativity is for Kling 2.1 PRO; WAN 2.1 (Default cloud) does not use it"
    ]
    assert video.status_code == 200 and len(video.content) > 1000
    assert KEY not in json.dumps(_session(home, session_id))
    assert KEY not in server.output()


def test_a_cloud_model_without_a_key_is_refused_before_anything_is_made(home, server):
    with server.client() as client:
        answer = post_generation(client, {**WAN, "num_chains": 1})
        listed = client.get("/sessions").json()["sessions"]

    assert answer.status_code == 400
    assert "needs a fal key" in answer.json()["detail"]
    folders = (home / "sessions").glob("*/") if (home / "sessions").exists() else []
    assert listed == [] and list(folders) == []


def test_cancel_reaches_fal(home, fake):
    fake.plan = JobPlan(hold=True)
    server = _cloud_server(home, fake)
    try:
        with server.client() as client:
            session_id = post_generation(client, {**WAN, "num_chains": 2}).json()["session_id"]
            wait_for(lambda: any(j.state is JobState.RUNNING for j in fake.jobs.all()), "a job")
            cancel = client.post(f"/cancel-generation/{session_id}")
            status = poll_until_done(client, session_id)
    finally:
        server.stop()

    assert cancel.status_code == 200
    assert status["status"] == "cancelled"
    assert [r.status for r in fake.requests("cancel")] == [202]
    (job,) = fake.jobs.all()
    assert job.state is JobState.CANCELLED
    assert _session(home, session_id)["chains"][0]["abandoned_request_ids"] == [job.request_id]


def test_kill_9_mid_chain_then_restart_completes_with_one_submission_per_chain(home, fake):
    fake.plan = JobPlan(hold=True)
    server = _cloud_server(home, fake)
    with server.client() as client:
        session_id = post_generation(client, {**WAN, "num_chains": 2}).json()["session_id"]
        wait_for(lambda: fake.count("status") >= 1, "a status poll")
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(timeout=30)
    (held,) = fake.jobs.all()
    assert _session(home, session_id)["chains"][0]["fal_request_id"] == held.request_id

    fake.plan = JobPlan()
    fake.release()
    restarted = _cloud_server(home, fake)
    try:
        with restarted.client() as client:
            status = poll_until_done(client, session_id)
    finally:
        restarted.stop()

    assert status["status"] == "completed", status
    assert fake.count("submit") == 2 and fake.count("cancel") == 0
    assert _session(home, session_id)["chains"][0]["fal_request_id"] == held.request_id
