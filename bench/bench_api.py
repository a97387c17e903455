"""The REST server under load: status latency while renders run, and what it costs the renders.

Two Local Preview sessions (720p, 3 chains of 3 s at 24 fps, the GUI stall bench's load)
render in both phases of each round:
1. baseline: the two sessions run in render workers started straight from the engine
   (``Engine.run_in_worker`` on two threads), no server anywhere;
2. server: a real ``scenemaker serve --jobs 2`` process gets the two sessions over HTTP while
   20 clients poll ``GET /generation-status`` every 100 ms each (200 requests a second), each
   on its own keep-alive connection, spread evenly over the 100 ms as independent clients
   are. They are plain asyncio streams in one loop in this process: an HTTP library's own
   CPU (and its start-up, which stalled the loop for 300 ms) would be counted as latency.
The render time of phase 2 runs from the moment both POSTs have answered to the first poll
that sees each session completed (so it is at most 100 ms late); phase 1's is exact. Rounds
alternate the phases so both see the same background load. Latency is measured by the polling
clients, so it includes their own overhead.

Targets: p99 status latency under 50 ms, renders at least 0.9x as fast as the baseline.

Run: .venv/bin/python bench/bench_api.py [--rounds 2] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scenemaker_desktop.engine.cancel import CancelToken  # noqa: E402
from scenemaker_desktop.engine.catalog import build_request  # noqa: E402
from scenemaker_desktop.engine.facade import Engine  # noqa: E402

SAMPLE = REPO / "resources" / "sample_coast.jpg"
PARAMS = {"resolution": "720p", "duration": 3, "fps": 24}
CHAINS = 3
ACTIONS = ("slow push in toward the lighthouse", "a gentle pan along the shore")
POLL_S = 0.1
P99_TARGET_MS, SPEED_TARGET = 50.0, 0.9


def baseline_seconds(home: Path) -> float:
    """Both sessions rendered by workers the engine starts itself, no server around."""
    os.environ["SCENEMAKER_HOME"] = str(home)
    engine = Engine.from_environment()
    sessions = [
        engine.create_session(SAMPLE, build_request("local", action, CHAINS, PARAMS))
        for action in ACTIONS
    ]
    started = time.monotonic()
    threads = [
        threading.Thread(
            target=engine.run_in_worker, args=(s.id, lambda event: None, CancelToken())
        )
        for s in sessions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


def start_server(home: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "SCENEMAKER_HOME": str(home)}
    server = subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop", "serve", "--port", "0", "--jobs", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = server.stderr.readline()
    url = "http://127.0.0.1:" + line.split("http://127.0.0.1:")[1].split(" ")[0]
    for _ in range(200):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit("the server did not answer")


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    return await reader.readexactly(length)


async def poller(
    port: int, ids: list[str], offset: float, done: dict[str, float], latencies: list[float]
) -> None:
    """One client: a keep-alive connection, a status call every POLL_S, sessions in turn."""
    requests = [
        f"GET /generation-status/{i} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        for i in ids
    ]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await asyncio.sleep(offset)  # clients are not in step with each other, as real ones are not
    index = 0
    while len(done) < len(ids):
        sent = time.monotonic()
        body = await _get(reader, writer, requests[index % len(ids)])
        latencies.append((time.monotonic() - sent) * 1000)
        if json.loads(body)["status"] == "completed":
            done.setdefault(ids[index % len(ids)], time.monotonic())
        index += 1
        await asyncio.sleep(max(0.0, POLL_S - (time.monotonic() - sent)))
    writer.close()


async def server_phase(url: str, clients: int) -> tuple[float, list[float]]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        ids = []
        for action in ACTIONS:
            request = {"action_direction": action, "model_type": "Local Preview",
                       "num_chains": CHAINS, "params": PARAMS}  # fmt: skip
            with open(SAMPLE, "rb") as image:
                answer = await client.post(
                    "/generate-video",
                    files={"file": image},
                    data={"request_data": json.dumps(request)},
                )
            ids.append(answer.json()["session_id"])
    started = time.monotonic()
    done: dict[str, float] = {}
    latencies: list[float] = []
    port = int(url.rsplit(":", 1)[1])
    offsets = [POLL_S * n / clients for n in range(clients)]
    await asyncio.gather(*(poller(port, ids, o, done, latencies) for o in offsets))
    return max(done.values()) - started, latencies


def server_seconds(home: Path, clients: int) -> tuple[float, list[float]]:
    server, url = start_server(home)
    try:
        return asyncio.run(server_phase(url, clients))
    finally:
        server.terminate()
        server.wait(timeout=60)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    base_times, server_times, latencies = [], [], []
    with tempfile.TemporaryDirectory(prefix="scenemaker-bench-api-") as tmp:
        for round_ in range(args.rounds):
            base_times.append(baseline_seconds(Path(tmp) / f"base{round_}"))
            took, lat = server_seconds(Path(tmp) / f"server{round_}", args.clients)
            server_times.append(took)
            latencies.extend(lat)
            print(
                f"round {round_ + 1}: renders {base_times[-1]:.2f} s alone, {took:.2f} s behind "
                f"the server; {len(lat)} status calls, p99 {percentile(lat, 0.99):.1f} ms",
                flush=True,
            )
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    speed = min(base_times) / min(server_times)
    print(
        f"status latency over {len(latencies)} calls: median {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {max(latencies):.1f} ms (target p99 < {P99_TARGET_MS:g} ms): "
        + ("PASS" if p99 < P99_TARGET_MS else "FAIL")
    )
    print(
        f"render speed behind the server: {speed:.2f}x the baseline (best {min(server_times):.2f}"
        f" s vs {min(base_times):.2f} s; target >= {SPEED_TARGET}x): "
        + ("PASS" if speed >= SPEED_TARGET else "FAIL")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
