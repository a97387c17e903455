"""Bad input, hostile input and access control: clear refusals, and nothing left behind."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api.conftest import LOCAL
from tests.api.server import Server, post_generation, start_server
from tests.conftest import SAMPLE_IMAGE

TOKEN = "t0ken-for-tests-9f2e"


def _folders(home: Path) -> list[Path]:
    sessions = home / "sessions"
    return [p for p in sessions.iterdir() if p.is_dir()] if sessions.exists() else []


def _upload(client: httpx.Client, data: bytes, request: dict | str, name: str = "x.png"):
    request_data = request if isinstance(request, str) else json.dumps(request)
    return client.post(
        "/generate-video",
        files={"file": (name, data, "image/png")},
        data={"request_data": request_data},
    )


def _bomb() -> bytes:
    """A tiny PNG that claims 20000 × 20000 pixels (400 megapixels) when decoded."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


GOOD = {"action_direction": "slow push in", **LOCAL}


@pytest.mark.parametrize(
    ("data", "payload", "message"),
    [
        (b"hello, not an image", GOOD, "x.png is a text file, not an image"),
        ("bomb", GOOD, "megapixels"),
        ("good", "not json", "request_data is not valid JSON"),
        ("good", "[1, 2]", "request_data must be one JSON object"),
        (
            "good",
            {**GOOD, "num_chains": 0},
            "num_chains: Input should be greater than or equal to 1",
        ),
        (
            "good",
            {**GOOD, "num_chains": 11},
            "num_chains: Input should be less than or equal to 10",
        ),
        ("good", {**GOOD, "num_chains": "three"}, "num_chains: Input should be a valid integer"),
        ("good", {**GOOD, "seed": [1]}, "seed: Input should be a valid integer"),
        ("good", {**GOOD, "model_type": "Sora 2"}, "unknown model 'Sora 2'"),
        ("good", {**GOOD, "num_chainz": 3}, "unknown field 'num_chainz'"),
        ("good", {"model_type": "Local Preview"}, "action_direction: Field required"),
        ("good", {**GOOD, "action_direction": "   "}, "describe the action"),
        (
            "good",
            {**GOOD, "params": {"fps": 99}},
            "local: fps must be a whole number from 12 to 30",
        ),
        ("good", {**GOOD, "params": {"sharpness": 1}}, "local: unknown parameter 'sharpness'"),
        (
            "good",
            {
                "action_direction": "x",
                "model_type": "Pixverse v3.5",
                "pixverse_duration": "8",
                "resolution": "1080p",
            },
            "1080p is only available with duration 5",
        ),
    ],
)
def test_bad_input_gets_400_with_a_detail_and_leaves_no_session(
    server: Server, home: Path, data, payload, message
):
    body = {"good": SAMPLE_IMAGE.read_bytes(), "bomb": _bomb()}.get(data, data)
    with server.client() as client:
        answer = _upload(client, body, payload)

    assert answer.status_code == 400, answer.text
    assert message in answer.json()["detail"]
    assert answer.json()["status_code"] == 400
    assert _folders(home) == []


@pytest.mark.parametrize(
    "path",
    [
        "/generation-status/..%2F..%2Fetc",
        "/generation-status/20261204-000000-zzzzzz",
        "/generation-status/20261204-000000-abcdef",
        "/download-video/%2E%2E",
        "/download-chain/20261204-000000-abcdef/0",
        "/generation-events/nope",
    ],
)
def test_unknown_or_malformed_session_ids_are_404(server: Server, path: str):
    with server.client() as client:
        answer = client.get(path)
    assert answer.status_code == 404, answer.text
    assert answer.json()["status_code"] == 404 and answer.json()["detail"]


def test_chain_indexes_outside_the_session_are_404(server: Server):
    from tests.api.server import poll_until_done

    with server.client() as client:
        session_id = post_generation(client, {**GOOD, "num_chains": 1}).json()["session_id"]
        poll_until_done(client, session_id)
        answers = [client.get(f"/download-chain/{session_id}/{i}") for i in (-1, 1, 99)]
        word = client.get(f"/download-chain/{session_id}/first")

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert word.status_code == 400


def test_downloads_stream_ranges_and_answer_head(server: Server):
    from tests.api.server import poll_until_done

    with server.client() as client:
        session_id = post_generation(client, {**GOOD, "num_chains": 1}).json()["session_id"]
        status = poll_until_done(client, session_id)
        whole = Path(status["final_video_path"]).read_bytes()
        part = client.get(f"/download-video/{session_id}", headers={"Range": "bytes=100-199"})
        tail = client.get(f"/download-video/{session_id}", headers={"Range": "bytes=-50"})
        head = client.head(f"/download-chain/{session_id}/0")
        beyond = client.get(
            f"/download-video/{session_id}", headers={"Range": f"bytes={len(whole) + 10}-"}
        )

    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert tail.status_code == 206 and tail.content == whole[-50:]
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) > 0 and head.headers["accept-ranges"] == "bytes"
    assert beyond.status_code == 416


def test_a_file_named_in_a_tampered_session_json_outside_the_folder_is_not_served(
    server: Server, home: Path
):
    from tests.api.server import poll_until_done

    with server.client() as client:
        session_id = post_generation(client, {**GOOD, "num_chains": 1}).json()["session_id"]
        poll_until_done(client, session_id)
        stored = home / "sessions" / session_id / "session.json"
        data = json.loads(stored.read_text())
        data["final_video"] = "../../../../etc/hostname"
        data["chains"][0]["video"] = "/etc/hostname"
        stored.write_text(json.dumps(data))
        video = client.get(f"/download-video/{session_id}")
        chain = client.get(f"/download-chain/{session_id}/0")

    # Such a manifest reads as damaged (engine/sessions/model.py checks every path in it).
    assert (video.status_code, chain.status_code) == (409, 409)
    assert "points outside the session folder" in video.json()["detail"]


def test_uploads_over_the_cap_are_refused_before_they_are_read(home: Path):
    server = start_server(home, "--max-upload-mb", "1")
    try:
        with server.client() as client:
            big = _upload(client, b"\x89PNG" + bytes(2 * 1024 * 1024), GOOD)
            analyze = client.post(
                "/analyze-image", files={"file": ("big.png", bytes(2 * 1024 * 1024), "image/png")}
            )
    finally:
        server.stop()
    assert big.status_code == 413 and "larger than 1 MB" in big.json()["detail"]
    assert analyze.status_code == 413
    assert _folders(home) == []


def test_with_a_token_every_endpoint_but_root_and_health_needs_it(home: Path):
    server = start_server(home, "--token", TOKEN)
    try:
        with (
            server.client() as anonymous,
            server.client(headers={"Authorization": f"Bearer {TOKEN}"}) as trusted,
            server.client(headers={"Authorization": "Bearer wrong"}) as wrong,
        ):
            open_paths = [anonymous.get(p).status_code for p in ("/", "/health")]
            closed = [
                anonymous.get(p).status_code
                for p in ("/config", "/sessions", "/models", "/docs", "/openapi.json")
            ]
            refused = anonymous.get("/sessions")
            wrong_token = wrong.get("/sessions").status_code
            allowed = [trusted.get(p).status_code for p in ("/config", "/sessions", "/docs")]
            upload = _upload(anonymous, SAMPLE_IMAGE.read_bytes(), GOOD)
    finally:
        server.stop()

    assert open_paths == [200, 200]
    assert closed == [401] * 5 and wrong_token == 401
    assert refused.json()["status_code"] == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert allowed == [200, 200, 200]
    assert upload.status_code == 401 and _folders(home) == []


def test_a_public_address_needs_a_token(home: Path):
    import subprocess
    import sys

    from tests.api.server import server_env
    from tests.conftest import REPO

    refused = subprocess.run(
        [sys.executable, "-m", "scenemaker_desktop", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, cwd=REPO, env=server_env(home), timeout=60,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "refusing to serve on 0.0.0.0 without a token" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_foreign_host_headers_are_refused(server: Server):
    with server.client() as client:
        rebound = client.get("/sessions", headers={"Host": "attacker.example:8000"})
        local = client.get("/sessions", headers={"Host": "localhost:8000"})
        loopback = client.get("/sessions", headers={"Host": "[::1]:8000"})

    assert rebound.status_code == 400 and "Host" in rebound.json()["detail"]
    assert local.status_code == 200 and loopback.status_code == 200


def test_cors_allows_localhost_pages_and_named_origins_only(home: Path):
    server = start_server(home, "--cors-origin", "https://studio.example")
    preflight = {"Access-Control-Request-Method": "POST"}
    try:
        with server.client() as client:
            answers = {
                origin: client.options("/generate-video", headers={**preflight, "Origin": origin})
                for origin in (
                    "http://localhost:5173",
                    "https://studio.example",
                    "https://evil.example",
                )
            }
    finally:
        server.stop()

    allowed = {o: a.headers.get("access-control-allow-origin") for o, a in answers.items()}
    assert allowed == {
        "http://localhost:5173": "http://localhost:5173",
        "https://studio.example": "https://studio.example",
        "https://evil.example": None,
    }
