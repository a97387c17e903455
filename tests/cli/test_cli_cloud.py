"""The CLI on the cloud models, end to end: a real CLI process talking to FakeFal through
SCENEMAKER_FAL_URL and FAL_KEY. The process runs with the loopback guard installed, so it
cannot reach anything beyond 127.0.0.1 either."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from scenemaker_desktop.engine.catalog import build_request, estimate_cost, get_model
from scenemaker_desktop.engine.media import probe
from tests.conftest import REPO
from tests.engine.fal_support import wait_for
from tests.fakes.fal_jobs import JobError, JobPlan, JobState
from tests.fakes.fal_server import FakeFal
from tests.fakes.fal_validation import validate
from tests.fakes.loopback import Fault

KEY = "cli-fal-key-7e5t-never-printed"
ACTION = "the camera drifts toward the lighthouse"
GUARDED_CLI = (
    "import sys; from tests.fakes import network_guard; network_guard.install(); "
    "from scenemaker_desktop.cli import main; sys.exit(main(sys.argv[1:]))"
)
ERRORS_503 = Fault(
    status=503,
    text="<html><body><center>nginx</center></body></html>",
    headers=(("Retry-After", "0"),),  # fal may say "try again now": keeps this test quick
)


@pytest.fixture
def fake() -> Iterator[FakeFal]:
    with FakeFal(key=KEY) as server:
        yield server


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "coast.png"
    gradient = Image.linear_gradient("L").resize((480, 270))
    Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_180), gradient)).save(
        path
    )
    return path


def cli_env(home: Path, fake: FakeFal, key: str = KEY) -> dict[str, str]:
    env = {**os.environ, "SCENEMAKER_HOME": str(home)}
    return {**env, "SCENEMAKER_FAL_URL": fake.base_url, "FAL_KEY": key}


def cli(home: Path, fake: FakeFal, *args: str, key: str = KEY) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", GUARDED_CLI, *args],
        cwd=REPO,
        env=cli_env(home, fake, key),
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_cli(home: Path, fake: FakeFal, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", GUARDED_CLI, *args],
        cwd=REPO,
        env=cli_env(home, fake),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def generate(image: Path, model: str, chains: int) -> list[str]:
    return [
        "generate",
        str(image),
        "--action",
        ACTION,
        "--model",
        model,
        "--chains",
        str(chains),
        "--json",
    ]


def last_json(stdout: str) -> dict[str, Any]:
    return json.loads(stdout.strip().splitlines()[-1])


def session_json(home: Path, session_id: str) -> dict[str, Any]:
    return json.loads((home / "sessions" / session_id / "session.json").read_text())


def only_session(home: Path) -> str:
    (folder,) = (home / "sessions").iterdir()
    return folder.name


def price(model: str) -> float:
    return estimate_cost(build_request(model, ACTION, 1)).per_clip_usd


def assert_fails_with(done: subprocess.CompletedProcess, line: str) -> None:
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"error: {line}"
    assert KEY not in done.stderr + done.stdout


@pytest.mark.parametrize("model", ["wan", "pixverse", "luma", "kling"])
def test_generate_on_each_cloud_model_completes_with_two_paid_clips(
    home: Path, fake: FakeFal, image: Path, model: str
) -> None:
    done = cli(home, fake, *generate(image, model, 2))

    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["status"] == "completed"
    assert probe(Path(result["final_video"])).frame_count > 12
    submits = fake.requests("submit")
    endpoint = get_model(model).endpoint
    assert len(submits) == 2 and all(r.status == 200 for r in submits)
    assert all(validate(endpoint, r.json) == [] and r.json["prompt"] for r in submits)
    assert result["cost_usd"] == pytest.approx(2 * price(model))
    saved = session_json(home, result["session_id"])
    assert {c["fal_request_id"] for c in saved["chains"]} == {j.request_id for j in fake.jobs.all()}
    assert KEY not in json.dumps(saved) and KEY not in done.stderr


def test_sigint_cancels_the_fal_request_and_saves_the_session_cancelled(
    home: Path, fake: FakeFal, image: Path
) -> None:
    fake.plan = JobPlan(hold=True)
    proc = start_cli(home, fake, *generate(image, "wan", 2))
    wait_for(lambda: any(j.state is JobState.RUNNING for j in fake.jobs.all()), "a running job")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 130, err
    assert last_json(out)["status"] == "cancelled"
    assert [r.status for r in fake.requests("cancel")] == [202]
    (job,) = fake.jobs.all()
    assert job.state is JobState.CANCELLED
    saved = session_json(home, last_json(out)["session_id"])
    assert saved["status"] == "cancelled"
    assert saved["chains"][0]["abandoned_request_ids"] == [job.request_id]


def test_resume_after_kill_9_re_polls_the_saved_request_instead_of_paying_again(
    home: Path, fake: FakeFal, image: Path
) -> None:
    fake.plan = JobPlan(hold=True)
    proc = start_cli(home, fake, *generate(image, "kling", 2))
    wait_for(lambda: fake.count("status") >= 1, "a status poll")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    session_id = only_session(home)
    (held,) = fake.jobs.all()
    assert session_json(home, session_id)["chains"][0]["fal_request_id"] == held.request_id

    fake.plan = JobPlan()
    fake.release()
    done = cli(home, fake, "resume", session_id, "--json")

    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["status"] == "completed" and Path(result["final_video"]).is_file()
    assert fake.count("submit") == 2 and fake.count("cancel") == 0
    assert result["cost_usd"] == pytest.approx(2 * price("kling"))
    first_chain = session_json(home, session_id)["chains"][0]
    assert first_chain["fal_request_id"] == held.request_id


def test_a_wrong_key_fails_with_one_clear_line(home: Path, fake: FakeFal, image: Path):
    done = cli(home, fake, *generate(image, "wan", 1), key="not-the-key-31337")

    assert_fails_with(done, "fal key rejected (401): check it in Settings or FAL_KEY")
    assert "not-the-key-31337" not in done.stderr + done.stdout
    assert fake.count("submit") == 0


def test_a_field_fal_rejects_is_named_with_fals_message(home: Path, fake: FakeFal, image: Path):
    item = {"loc": ["body", "duration"], "msg": "Input should be '5s' or '9s'", "type": "enum"}
    fake.script("submit", Fault(status=422, body={"detail": [item]}))
    done = cli(home, fake, *generate(image, "luma", 1))

    assert_fails_with(done, "luma: duration — Input should be '5s' or '9s'")
    assert last_json(done.stdout)["status"] == "failed"


def test_exhausted_retries_fail_clearly_and_resume_finishes_the_same_request(
    home: Path, fake: FakeFal, image: Path
) -> None:
    fake.script("status", ERRORS_503, times=5)
    done = cli(home, fake, *generate(image, "pixverse", 1))

    assert_fails_with(
        done,
        "pixverse: fal.ai is not answering the status poll (HTTP 503) after 5 tries; "
        "resume the session to try again",
    )
    resumed = cli(home, fake, "resume", only_session(home), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert last_json(resumed.stdout)["status"] == "completed"
    assert fake.count("submit") == 1


def test_a_failed_job_shows_fals_reason(home: Path, fake: FakeFal, image: Path):
    fake.plan = JobPlan(error=JobError(500, "CUDA out of memory", "runner_server_error"))
    done = cli(home, fake, *generate(image, "kling", 1))

    assert_fails_with(done, "kling: fal could not make the clip: CUDA out of memory")
    saved = session_json(home, only_session(home))
    (job,) = fake.jobs.all()
    assert saved["status"] == "failed"
    assert saved["chains"][0]["abandoned_request_ids"] == [job.request_id]
