"""package_check's server check: the frozen `scenemaker serve` on loopback, end to end."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx

Expect = Callable[[bool, str], None]


def check_serve(b, expect: Expect) -> str:
    """``b`` is package_check's Bundle."""
    # Not in an empty network namespace: the server and this check must share loopback.
    env = b.env(SCENEMAKER_HOME=str(b.work / "serve-home"))
    proc = subprocess.Popen(
        [str(b.app), "serve", "--port", "0"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=b.work,
    )  # fmt: skip
    try:
        line = proc.stderr.readline()  # type: ignore[union-attr]
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        expect(found is not None, f"no address in the start line: {line!r}")
        url = f"http://127.0.0.1:{found.group(1)}"
        took = _serve_one_session(url, b.resources / "sample_coast.jpg", expect)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    expect(code == 0, f"SIGTERM ended the server with {code}")
    return f"a session over HTTP completed in {took:.1f} s; SIGTERM exit 0"


def _serve_one_session(url: str, image: Path, expect: Expect) -> float:
    deadline = time.monotonic() + 60
    while not _answers(url + "/health"):
        expect(time.monotonic() < deadline, "GET /health never answered")
        time.sleep(0.2)
    request = {
        "action_direction": "slow push in",
        "model_type": "Local Preview",
        "num_chains": 1,
        "params": {"resolution": "360p", "duration": 2, "fps": 12},
    }
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=120) as client, open(image, "rb") as handle:
        answer = client.post(
            "/generate-video", files={"file": handle}, data={"request_data": json.dumps(request)}
        )
        expect(answer.status_code == 200, f"generate-video answered {answer.text}")
        session_id = answer.json()["session_id"]
        status: dict = {}
        while status.get("status") not in ("completed", "error", "cancelled"):
            expect(time.monotonic() - started < 300, f"the session never ended: {status}")
            time.sleep(0.3)
            status = client.get(f"/generation-status/{session_id}").json()
        expect(status["status"] == "completed", f"the session ended {status}")
        video = client.get(f"/download-video/{session_id}")
        expect(video.status_code == 200 and len(video.content) > 1000, "no final video")
    return time.monotonic() - started


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
