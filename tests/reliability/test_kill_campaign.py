"""The kill campaign: `kill -9` of a real 3-chain WAN run (the CLI against the fake fal) at
each phase, then `resume`: every run completes, fal made exactly one clip per chain, and no
temporary file is left. (A kill inside a manifest write is test_sessions_on_disk's: no
process can be stopped there on purpose.)"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.api.server import server_env
from tests.conftest import REPO
from tests.engine.fal_support import KEY, seed_image
from tests.fakes.fal_jobs import JobPlan
from tests.fakes.fal_server import FakeFal
from tests.fakes.loopback import Fault
from tests.reliability.support import temp_leftovers

CHAINS = 3
WATCH_S = 0.002


def _manifest(home: Path) -> dict | None:
    sessions = home / "sessions"
    folders = [p for p in sessions.iterdir() if p.is_dir()] if sessions.exists() else []
    if not folders:
        return None
    try:
        return json.loads((folders[0] / "session.json").read_text())
    except (OSError, ValueError):
        return None


def _chains(home: Path) -> list[dict]:
    manifest = _manifest(home)
    return manifest["chains"] if manifest else []


def _upload(fake: FakeFal, home: Path) -> Callable[[], bool]:
    fake.script("upload", Fault(delay=2.0))
    return lambda: fake.pending_faults("upload") == 0


def _after_submit(fake: FakeFal, home: Path) -> Callable[[], bool]:
    fake.set_latency("status", 1.0)  # no poll yet when the id reaches the disk
    return lambda: any(chain["fal_request_id"] for chain in _chains(home))


def _polling(fake: FakeFal, home: Path) -> Callable[[], bool]:
    fake.plan = JobPlan(hold=True)
    return lambda: fake.count("status") >= 2


def _download(fake: FakeFal, home: Path) -> Callable[[], bool]:
    fake.slow_downloads(chunk_size=2048, chunk_delay=0.05)
    return lambda: fake.count("download") >= 1


def _seed_frame(fake: FakeFal, home: Path) -> Callable[[], bool]:
    def between_clip_and_seed() -> bool:
        folders = list((home / "sessions").glob("*/chains"))
        return any(
            (folders[0] / f"chain_{chain['index'] + 1:02d}.mp4").exists()
            and chain["status"] != "completed"
            for chain in _chains(home)[:-1]
        ) if folders else False  # fmt: skip

    return between_clip_and_seed


def _assembly(fake: FakeFal, home: Path) -> Callable[[], bool]:
    chains = _chains
    return lambda: (
        len(chains(home)) == CHAINS
        and all(chain["status"] == "completed" for chain in chains(home))
    )


PHASES = {
    "upload": _upload,
    "just after submit": _after_submit,
    "polling": _polling,
    "download": _download,
    "seed frame": _seed_frame,
    "assembly": _assembly,
}


def _cli(home: Path, fake: FakeFal, *args: str) -> list[str]:
    return [sys.executable, "-m", "scenemaker_desktop", *args]


def _env(home: Path, fake: FakeFal) -> dict[str, str]:
    return server_env(home, SCENEMAKER_FAL_URL=fake.base_url, FAL_KEY=KEY)


def _kill_when(process: subprocess.Popen, moment: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not moment():
        if process.poll() is not None:
            raise AssertionError(f"the run ended before the moment: {process.stderr.read()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("the moment never came")
        time.sleep(WATCH_S)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def _mend(fake: FakeFal) -> None:
    fake.plan = JobPlan()
    fake.release()
    fake.set_latency("status", 0.0)
    fake.slow_downloads(0, 0.0)


@pytest.mark.parametrize("phase", PHASES.values(), ids=PHASES)
def test_kill_9_at_any_phase_then_resume_completes_with_one_clip_per_chain(
    phase, home: Path, tmp_path: Path
):
    with FakeFal(key=KEY) as fake:
        moment = phase(fake, home)
        image = seed_image(tmp_path)
        run = subprocess.Popen(
            _cli(home, fake, "generate", str(image), "--action", "the beam sweeps",
                 "--model", "wan", "--chains", str(CHAINS), "--json"),
            cwd=REPO, env=_env(home, fake), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        _kill_when(run, moment)
        _mend(fake)
        session_id = _manifest(home)["id"]

        resumed = subprocess.run(
            _cli(home, fake, "resume", session_id, "--json"),
            cwd=REPO, env=_env(home, fake), capture_output=True, text=True, timeout=180,
        )  # fmt: skip

        assert resumed.returncode == 0, resumed.stderr
        assert json.loads(resumed.stdout.splitlines()[-1])["status"] == "completed"
        chains = _chains(home)
        assert [len(c["abandoned_request_ids"]) for c in chains] == [0] * CHAINS
        assert len(fake.jobs.all()) == CHAINS  # fal made (and billed) one clip per chain
        assert {c["fal_request_id"] for c in chains} == {j.request_id for j in fake.jobs.all()}
        assert temp_leftovers(home / "sessions" / session_id) == []


def test_ctrl_c_during_a_stalled_upload_exits_at_once_and_submits_nothing(
    home: Path, tmp_path: Path
):
    with FakeFal(key=KEY) as fake:
        fake.script("upload", Fault(delay=10.0))
        run = subprocess.Popen(
            _cli(home, fake, "generate", str(seed_image(tmp_path)), "--action", "drift",
                 "--model", "wan", "--chains", "1", "--json"),
            cwd=REPO, env=_env(home, fake), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while fake.pending_faults("upload") and time.monotonic() < deadline:
            time.sleep(WATCH_S)
        run.send_signal(signal.SIGINT)
        started = time.monotonic()
        out, _ = run.communicate(timeout=30)
        took = time.monotonic() - started
        time.sleep(0.5)

        assert run.returncode == 130 and took < 3.0
        assert json.loads(out.splitlines()[-1])["status"] == "cancelled"
        assert fake.count("submit") == 0
