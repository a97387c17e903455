"""Generating through the API with Local Preview: the old client's flow, events, the queue."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from scenemaker_desktop.engine.media import probe
from tests.api.conftest import LOCAL, TINY
from tests.api.server import Server, poll_until_done, post_generation, start_server, wait_for
from tests.conftest import REPO, SAMPLE_IMAGE

SLOW = {"resolution": "360p", "duration": 10, "fps": 30}
STATUS_KEYS = {
    "session_id",
    "status",
    "progress",
    "current_operation",
    "completed_chains",
    "total_chains",
    "video_paths",
    "final_video_path",
    "error_message",
}


def _start(client: httpx.Client, action: str, chains: int, params: dict | None = None) -> str:
    request = {"action_direction": action, "num_chains": chains, **LOCAL}
    if params is not None:
        request["params"] = params
    answer = post_generation(client, request)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "started" and set(body) == {"session_id", "status", "message"}
    return body["session_id"]


def test_the_old_clients_flow_runs_to_completed_and_downloads_every_file(server: Server, home):
    with server.client() as client:
        assert client.get("/health").json()["status"] == "healthy"
        with open(SAMPLE_IMAGE, "rb") as image:
            analysis = client.post("/analyze-image", files={"file": image}).json()
        request = {
            "action_direction": "slow push in toward the lighthouse",
            "theme": analysis["theme"],
            "main_subject": analysis["main_subject"],
            "resolution": "360p",
            "num_chains": 2,
            "model_type": "Local Preview",
            "params": {"duration": 2, "fps": 12},
        }
        session_id = post_generation(client, request).json()["session_id"]
        seen = [client.get(f"/generation-status/{session_id}").json()]
        status = poll_until_done(client, session_id)
        video = client.get(f"/download-video/{session_id}")
        chains = [client.get(f"/download-chain/{session_id}/{i}") for i in (0, 1)]
        listed = client.get("/sessions").json()["sessions"]

    assert set(seen[0]) >= STATUS_KEYS and seen[0]["status"] in ("initializing", "running")
    assert status["status"] == "completed" and status["progress"] == 100.0, status
    assert (status["completed_chains"], status["total_chains"]) == (2, 2)
    assert Path(status["final_video_path"]).is_file() and status["error_message"] is None
    assert [Path(p).name for p in status["video_paths"]] == ["chain_01.mp4", "chain_02.mp4"]
    assert video.headers["content-type"] == "video/mp4"
    assert f'filename="generated_story_{session_id}.mp4"' in video.headers["content-disposition"]
    assert video.content == Path(status["final_video_path"]).read_bytes()
    assert [c.headers["content-disposition"] for c in chains] == [
        f'attachment; filename="chain_{i}_{session_id}.mp4"' for i in (1, 2)
    ]
    assert [len(c.content) for c in chains] == [
        Path(p).stat().st_size for p in status["video_paths"]
    ]
    assert [row["session_id"] for row in listed] == [session_id]
    assert listed[0]["status"] == "completed" and listed[0]["created_at"]
    stored = json.loads((home / "sessions" / session_id / "session.json").read_text())
    assert stored["request"]["params"]["resolution"] == "360p"
    assert stored["analysis"]["theme"] == analysis["theme"]
    # Our extension: the continuity measured per chain, as session.json has it.
    first, last = status["continuity"]
    assert first["drift"] == stored["chains"][0]["continuity"]["drift"] is not None
    assert first["seam_jump"] is not None and last["seam_jump"] is None
    assert last["consistency_source"] == "offline" and isinstance(first["flags"], list)


def test_sessions_are_one_store_with_the_cli(server: Server, home):
    cli = [sys.executable, "-m", "scenemaker_desktop"]
    env = {"SCENEMAKER_HOME": str(home), "PATH": "/usr/bin:/bin"}
    made = subprocess.run(
        [*cli, "generate", str(SAMPLE_IMAGE), "--action", "drift", "--model", "local",
         "--chains", "1", "--set", "resolution=360p", "--set", "duration=2", "--set", "fps=12"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    with server.client() as client:
        over_http = _start(client, "a push in", 1)
        poll_until_done(client, over_http)
        listed = [row["session_id"] for row in client.get("/sessions").json()["sessions"]]
    from_cli = subprocess.run(
        [*cli, "sessions", "--json"], capture_output=True, text=True, cwd=REPO, env=env
    )

    cli_ids = [row["id"] for row in json.loads(from_cli.stdout.splitlines()[-1])["sessions"]]
    assert len(listed) == 2 and over_http in listed
    assert sorted(cli_ids) == sorted(listed)


def test_events_arrive_in_order_and_end_with_how_the_session_ended(server: Server):
    with server.client() as client:
        session_id = _start(client, "slow push in", 2)
        with client.stream("GET", f"/generation-events/{session_id}") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = _read_events(stream)
        after = client.get(f"/generation-events/{session_id}")

    names = [name for name, _ in events]
    assert names[0] == "status" and names[-1] == "finished"
    assert names.count("chain") == 2 and "progress" in names
    overall = [data["overall"] for name, data in events if name == "progress"]
    assert overall == sorted(overall)
    assert [data["chain_index"] for name, data in events if name == "chain"] == [0, 1]
    assert events[-1][1]["status"] == "completed"
    assert [name for name, _ in _parse(after.text)] == ["status", "finished"]


def _read_events(stream: httpx.Response) -> list[tuple[str, dict]]:
    return _parse("".join(stream.iter_text()))


def _parse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        name = lines[0].removeprefix("event: ")
        events.append((name, json.loads(lines[1].removeprefix("data: "))))
    return events


def test_the_queue_holds_sessions_beyond_the_jobs_limit(home):
    server = start_server(home, "--jobs", "1")
    try:
        with server.client() as client:
            first = _start(client, "a long drift", 1, SLOW)
            second = _start(client, "a short push in", 1)
            waiting = client.get(f"/generation-status/{second}").json()
            health = client.get("/health").json()
            assert client.post(f"/cancel-generation/{first}").status_code == 200
            ended = poll_until_done(client, second)
            cancelled = poll_until_done(client, first)
    finally:
        server.stop()

    assert waiting["status"] == "initializing"
    assert waiting["current_operation"] == "Queued (0 ahead)"
    assert health["active_sessions"] == 2
    assert ended["status"] == "completed" and cancelled["status"] == "cancelled"


def test_cancel_resume_and_delete(server: Server, home):
    with server.client() as client:
        session_id = _start(client, "a long drift", 2, SLOW)
        wait_for(
            lambda: (
                "Rendering"
                in client.get(f"/generation-status/{session_id}").json()["current_operation"]
            ),
            "rendering",
        )
        running_delete = client.delete(f"/session/{session_id}")
        cancel = client.post(f"/cancel-generation/{session_id}")
        cancelled = poll_until_done(client, session_id)
        again = client.post(f"/cancel-generation/{session_id}")
        not_done = client.get(f"/download-video/{session_id}")
        resumed = client.post(f"/resume-generation/{session_id}")
        completed_resume = poll_until_done(client, session_id, timeout=300)
        deleted = client.delete(f"/session/{session_id}")
        gone = client.get(f"/generation-status/{session_id}")

    assert running_delete.status_code == 409
    assert cancel.json() == {"message": "Generation cancellation requested"}
    assert cancelled["status"] == "cancelled" and cancelled["session_status"] == "cancelled"
    assert again.status_code == 400 and "not queued or running" in again.json()["detail"]
    assert not_done.status_code == 400
    assert resumed.status_code == 200 and resumed.json()["status"] == "started"
    assert completed_resume["status"] == "completed"
    assert deleted.json() == {"message": "Session deleted successfully"}
    assert gone.status_code == 404
    assert not (home / "sessions" / session_id).exists()


def test_a_signal_stops_the_server_promptly_and_its_session_resumes_on_restart(home):
    server = start_server(home)
    with server.client() as client:
        session_id = _start(client, "a long drift", 1, {**SLOW, "duration": 6})
        wait_for(
            lambda: client.get(f"/generation-status/{session_id}").json()["status"] == "running",
            "running",
        )
    assert server.stop(signal.SIGTERM, timeout=30) == 0
    stored = json.loads((home / "sessions" / session_id / "session.json").read_text())
    assert stored["status"] == "interrupted"

    restarted = start_server(home)
    try:
        with restarted.client() as client:
            ended = poll_until_done(client, session_id, timeout=300)
    finally:
        restarted.stop()
    assert ended["status"] == "completed"
    assert "resuming 1 session" in restarted.output()


def test_no_resume_leaves_an_interrupted_session_for_the_client_to_resume(home):
    server = start_server(home)
    with server.client() as client:
        session_id = _start(client, "a long drift", 1, SLOW)
        wait_for(
            lambda: client.get(f"/generation-status/{session_id}").json()["status"] == "running",
            "running",
        )
    server.stop(signal.SIGINT)

    quiet = start_server(home, "--no-resume")
    try:
        with quiet.client() as client:
            status = client.get(f"/generation-status/{session_id}").json()
            resume = client.post(f"/resume-generation/{session_id}")
            cancel = client.post(f"/cancel-generation/{session_id}")
            ended = poll_until_done(client, session_id)
    finally:
        quiet.stop()

    assert status["status"] == "error" and status["session_status"] == "interrupted"
    assert f"POST /resume-generation/{session_id}" in status["error_message"]
    assert resume.status_code == 200 and cancel.status_code == 200
    assert ended["status"] == "cancelled"


def test_output_dir_is_the_sessions_folder(home, tmp_path):
    from tests.api.server import server_env

    outputs = tmp_path / "outputs"
    server = start_server(home, env=server_env(home, OUTPUT_DIR=str(outputs)))
    try:
        with server.client() as client:
            config = client.get("/config").json()
            session_id = _start(client, "a push in", 1, TINY)
            poll_until_done(client, session_id)
    finally:
        server.stop()
    assert config["output_dir"] == str(outputs)
    assert (outputs / session_id / "final.mp4").is_file()
    assert probe(outputs / session_id / "final.mp4").frame_count > 0
