"""The CLI as outside checks use it: real processes, real files, Local Preview."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from scenemaker_desktop.engine.media import probe
from tests.conftest import REPO, TINY_LOCAL


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def _one_tiny_session(run_cli, image: Path) -> dict:
    """``generate --json`` of one short Local Preview chain: its report."""
    done = run_cli(
        "generate", str(image), "--action", "drift", "--chains", "1", *TINY_LOCAL, "--json"
    )
    return _last_json(done.stdout)


def test_generate_json_reports_a_completed_session(run_cli, sample_image, home):
    done = run_cli(
        "generate",
        str(sample_image),
        "--action",
        "slow push in",
        "--chains",
        "2",
        *TINY_LOCAL,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    result = _last_json(done.stdout)
    assert result["status"] == "completed"
    assert set(result) >= {"session_id", "status", "final_video", "chains", "cost_usd"}
    assert result["cost_usd"] == 0
    assert [c["index"] for c in result["chains"]] == [0, 1]
    assert all(c["status"] == "completed" and Path(c["video"]).is_file() for c in result["chains"])
    assert all(c["prompt"] for c in result["chains"])
    final = Path(result["final_video"])
    assert final == home / "sessions" / result["session_id"] / "final.mp4"
    assert probe(final).width == 640 and probe(final).height == 360


def test_the_readme_example_finishes_offline_with_exact_frame_count(run_cli, sample_image):
    done = run_cli(
        "generate", str(sample_image), "--action", "slow push in", "--chains", "3", "--json"
    )
    assert done.returncode == 0, done.stderr
    result = _last_json(done.stdout)
    folder = Path(result["final_video"]).parent
    session = json.loads((folder / "session.json").read_text())
    assert session["request"]["model"] == "local"
    assert session["request"]["params"]["resolution"] == "720p"
    clips = [probe(folder / c["video"]) for c in session["chains"]]
    assert all(c.height == 720 and c.frame_count == 5 * 24 for c in clips)
    kept = [c["seed_frame_index"] for c in session["chains"][:-1]] + [clips[-1].frame_count]
    assert probe(folder / "final.mp4").frame_count == sum(kept)


def test_sessions_show_and_delete_follow_the_contract(run_cli, sample_image):
    made = _one_tiny_session(run_cli, sample_image)
    session_id = made["session_id"]
    listed = _last_json(run_cli("sessions", "--json").stdout)
    assert [row["id"] for row in listed["sessions"]] == [session_id]
    assert listed["sessions"][0]["status"] == "completed"
    shown = _last_json(run_cli("show", session_id, "--json").stdout)
    assert shown["id"] == session_id and shown["final_video"] == "final.mp4"
    deleted = run_cli("delete", session_id)
    assert deleted.returncode == 0
    gone = run_cli("show", session_id)
    assert gone.returncode != 0
    assert gone.stderr.strip() == f"error: no session '{session_id}'"


def test_resume_of_a_completed_session_reports_it_unchanged(run_cli, sample_image):
    made = _one_tiny_session(run_cli, sample_image)
    again = run_cli("resume", made["session_id"], "--json")
    assert again.returncode == 0
    assert _last_json(again.stdout)["final_video"] == made["final_video"]


def test_sigint_cancels_saves_and_resume_finishes(home, sample_image):
    env = {**os.environ, "SCENEMAKER_HOME": str(home)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scenemaker_desktop",
            "generate",
            str(sample_image),
            "--action",
            "pan left",
            "--chains",
            "2",
            "--set",
            "duration=10",
            "--set",
            "fps=30",
            "--json",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Rendering" in line or "Chain 1/2" in line:
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    result = _last_json(out)
    assert result["status"] == "cancelled"
    session_json = json.loads(
        (home / "sessions" / result["session_id"] / "session.json").read_text()
    )
    assert session_json["status"] == "cancelled"
    resumed = subprocess.run(
        [sys.executable, "-m", "scenemaker_desktop", "resume", result["session_id"], "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert _last_json(resumed.stdout)["status"] == "completed"


def test_request_file_from_the_old_app_is_accepted(run_cli, sample_image, tmp_path):
    request = tmp_path / "request.json"
    request.write_text(
        json.dumps(
            {
                "action_direction": "the light sweeps the sea",
                "model_type": "Local Preview",
                "num_chains": 1,
                "resolution": "360p",
                "theme": "coastal dusk",
                "enable_quality_preservation": True,
            }
        )
    )
    done = run_cli(
        "generate", str(sample_image), "--request", str(request), "--set", "duration=2", "--json"
    )
    assert done.returncode == 0, done.stderr
    folder = Path(_last_json(done.stdout)["final_video"]).parent
    session = json.loads((folder / "session.json").read_text())
    assert session["request"]["analysis"] == {"theme": "coastal dusk"}
    assert session["analysis"]["theme"] == "coastal dusk"
