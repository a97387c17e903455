"""A real `scenemaker serve` process on 127.0.0.1 for the API tests, and a client for it."""

from __future__ import annotations

import collections
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import REPO, SAMPLE_IMAGE

GUARD_SITE = REPO / "tests" / "fakes" / "guard_site"
START_TIMEOUT_S = 60
_URL = re.compile(r"http://(\[[^\]]+\]|[^:/ ]+):(\d+)")


@dataclass
class Server:
    process: subprocess.Popen
    url: str
    log: collections.deque = field(default_factory=lambda: collections.deque(maxlen=200))

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kwargs)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout=timeout)

    def output(self) -> str:
        return "\n".join(self.log)


def server_env(home: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SCENEMAKER_HOME": str(home),
        "PYTHONPATH": os.pathsep.join((str(GUARD_SITE), str(REPO))),
        **extra,
    }


def start_server(home: Path, *args: str, env: dict[str, str] | None = None) -> Server:
    """Start `scenemaker serve --port 0 ARGS` and return once GET /health answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop", "serve", "--port", "0", *args],
        cwd=REPO,
        env=env or server_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: collections.deque = collections.deque(maxlen=200)
    first = threading.Event()

    def drain() -> None:
        for line in process.stderr:
            log.append(line.rstrip())
            first.set()
        first.set()

    threading.Thread(target=drain, daemon=True).start()
    first.wait(START_TIMEOUT_S)
    match = next((m for m in map(_URL.search, log) if m), None)
    if match is None:
        process.kill()
        raise RuntimeError("the server did not start:\n" + "\n".join(log))
    server = Server(process, f"http://127.0.0.1:{match.group(2)}", log)
    wait_for(lambda: _answers(server), "GET /health", START_TIMEOUT_S)
    return server


def _answers(server: Server) -> bool:
    try:
        return httpx.get(server.url + "/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def post_generation(
    client: httpx.Client, request: dict[str, Any], image: Path = SAMPLE_IMAGE
) -> httpx.Response:
    import json

    with open(image, "rb") as handle:
        return client.post(
            "/generate-video",
            files={"file": (image.name, handle, "image/jpeg")},
            data={"request_data": json.dumps(request)},
        )


def poll_until_done(client: httpx.Client, session_id: str, timeout: float = 180) -> dict:
    def done() -> dict | None:
        status = client.get(f"/generation-status/{session_id}").json()
        return status if status["status"] in ("completed", "error", "cancelled") else None

    return wait_for(done, f"session {session_id} to end", timeout)
