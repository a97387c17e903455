"""The API's read-only endpoints and one-shot helpers, against a real server process."""

from __future__ import annotations

from pathlib import Path

from tests.api.server import Server
from tests.conftest import SAMPLE_IMAGE

ANALYSIS_KEYS = {"theme", "background", "main_subject", "tone_and_color", "action_direction"}


def test_root_config_and_health_have_the_old_apis_fields(server: Server):
    with server.client() as client:
        root = client.get("/").json()
        config = client.get("/config").json()
        health = client.get("/health").json()

    assert set(root) == {"message", "version", "status", "docs"} and root["docs"] == "/docs"
    assert {
        "output_dir",
        "default_resolution",
        "default_inference_steps",
        "api_keys_configured",
        "available_models",
    } <= set(config)
    assert config["available_models"][:4] == [
        "WAN (Default)",
        "Pixverse v3.5",
        "LUMA Ray2",
        "Kling 2.1 PRO",
    ]
    assert "Local Preview" in config["available_models"]
    assert config["default_resolution"] == "720p" and config["api_keys_configured"] is False
    assert Path(config["output_dir"]).is_dir()
    assert health["status"] == "healthy" and health["active_sessions"] == 0
    assert health["output_directory_exists"] is True and health["api_keys_configured"] is False


def test_models_lists_the_catalog(server: Server):
    with server.client() as client:
        catalog = client.get("/models").json()

    ids = [model["id"] for model in catalog["models"]]
    assert ids == ["local", "wan", "pixverse", "luma", "kling"]
    kling = next(m for m in catalog["models"] if m["id"] == "kling")
    cfg = next(p for p in kling["parameters"] if p["key"] == "cfg_scale")
    assert cfg["old_field"] == "kling_creativity" and kling["price_per_clip_usd"] == 0.49


def test_every_field_of_every_payload_is_described_in_the_openapi_schema(server: Server):
    with server.client() as client:
        spec = client.get("/openapi.json").json()
        docs, redoc = client.get("/docs"), client.get("/redoc")

    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert redoc.status_code == 200 and "redoc" in redoc.text.lower()
    undescribed = [
        f"{name}.{field}"
        for name, schema in spec["components"]["schemas"].items()
        if name not in ("HTTPValidationError", "ValidationError")
        for field, prop in schema.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undescribed == []
    request = spec["components"]["schemas"]["VideoGenerationRequest"]
    assert request["required"] == ["action_direction"]
    assert {"pixverse_duration", "kling_creativity", "num_chains", "params"} <= set(
        request["properties"]
    )


def test_analyze_image_returns_the_five_fields(server: Server):
    with server.client() as client, open(SAMPLE_IMAGE, "rb") as image:
        answer = client.post("/analyze-image", files={"file": ("coast.jpg", image, "image/jpeg")})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) >= ANALYSIS_KEYS and all(body[key] for key in ANALYSIS_KEYS - {"notice"})
    assert body["source"] == "offline"


def test_analyze_image_judges_the_bytes_not_the_content_type(server: Server, tmp_path: Path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image at all")
    with server.client() as client:
        lying = client.post(
            "/analyze-image", files={"file": ("photo.jpg", notes.read_bytes(), "image/jpeg")}
        )
        empty = client.post("/analyze-image", files={"file": ("empty.png", b"", "image/png")})
        missing = client.post("/analyze-image", data={"nothing": "here"})
        with open(SAMPLE_IMAGE, "rb") as image:
            honest = client.post(
                "/analyze-image", files={"file": ("coast", image, "application/octet-stream")}
            )

    assert lying.status_code == 400
    assert lying.json() == {"detail": "photo.jpg is a text file, not an image", "status_code": 400}
    assert empty.status_code == 400 and "empty" in empty.json()["detail"]
    assert missing.status_code == 400 and "file" in missing.json()["detail"]
    assert honest.status_code == 200


def _prompt_form(**changes: str) -> dict[str, str]:
    form = {
        "action_direction": "the beam sweeps across the bay",
        "scene_vision": "dusk falls over a quiet coast",
        "frame_description": "the beam points out to sea",
        "image_description": "a lighthouse at dusk",
        "theme": "coastal dusk",
        "background": "a calm sea",
        "main_subject": "a striped lighthouse",
        "tone_and_color": "warm orange and deep blue",
        "current_chain": "1",
        "total_chains": "3",
    }
    return {**form, **changes}


def test_generate_prompt_writes_one_chains_prompt_from_the_ten_fields(server: Server):
    with server.client() as client:
        answer = client.post("/generate-prompt", data=_prompt_form())

    assert answer.status_code == 200, answer.text
    prompt = answer.json()["prompt"]
    assert "the beam sweeps across the bay" in prompt
    assert "Continuing from: the beam points out to sea." in prompt
    assert "a striped lighthouse" in prompt  # the character lock
    assert answer.json()["source"] == "template"


def test_generate_prompt_refuses_a_chain_outside_the_video(server: Server):
    with server.client() as client:
        past = client.post("/generate-prompt", data=_prompt_form(current_chain="3"))
        many = client.post("/generate-prompt", data=_prompt_form(total_chains="11"))
        words = client.post("/generate-prompt", data=_prompt_form(current_chain="two"))
        short = client.post("/generate-prompt", data={"action_direction": "x"})

    assert past.json() == {"detail": "current_chain must be from 0 to 2", "status_code": 400}
    assert many.status_code == 400 and "total_chains" in many.json()["detail"]
    assert words.status_code == 400 and "current_chain" in words.json()["detail"]
    assert short.status_code == 400 and "scene_vision: Field required" in short.json()["detail"]
