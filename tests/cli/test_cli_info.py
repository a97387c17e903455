from __future__ import annotations

import json


def _json(result) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_models_json_lists_every_model_with_parameters_and_prices(run_cli):
    models = {m["id"]: m for m in _json(run_cli("models", "--json"))["models"]}
    assert set(models) == {"local", "wan", "pixverse", "luma", "kling"}
    assert models["wan"]["endpoint"] == "fal-ai/wan-i2v"
    assert models["kling"]["price_per_clip_usd"] == 0.49
    luma_keys = [p["key"] for p in models["luma"]["parameters"]]
    assert luma_keys == ["duration", "resolution", "aspect_ratio", "loop"]
    duration = next(p for p in models["luma"]["parameters"] if p["key"] == "duration")
    assert duration["choices"] == ["5s", "9s"] and duration["fal_field"] == "duration"


def test_health_reports_keys_by_source_never_by_value(run_cli):
    secret = "fal-secret-value-123"
    report = _json(run_cli("health", "--json", env={"FAL_KEY": secret}))
    assert report["keys"]["fal"]["configured"] is True
    assert report["keys"]["fal"]["source"] == "environment"
    assert report["keys"]["openai"]["configured"] is False
    assert report["ffmpeg"]["ok"] is True
    assert report["default_model"] == "wan"
    text = run_cli("health", env={"FAL_KEY": secret})
    assert secret not in text.stdout + text.stderr


def test_default_model_is_local_without_a_fal_key(run_cli):
    assert _json(run_cli("health", "--json"))["default_model"] == "local"


def test_analyze_json_has_the_five_fields(run_cli, sample_image):
    analysis = _json(run_cli("analyze", str(sample_image), "--json"))
    for key in ("theme", "background", "main_subject", "tone_and_color", "action_direction"):
        assert key in analysis
    assert analysis["theme"] and analysis["tone_and_color"]


def test_prompt_json_writes_one_prompt_per_chain(run_cli, sample_image):
    result = _json(
        run_cli(
            "prompt",
            "--action",
            "she walks into the fog",
            "--chains",
            "3",
            "--image",
            str(sample_image),
            "--theme",
            "noir",
            "--json",
        )
    )
    assert len(result["prompts"]) == 3 and len(set(result["prompts"])) == 3
    assert result["analysis"]["theme"] == "noir"


def test_version_is_printed(run_cli):
    from scenemaker_desktop import __version__

    done = run_cli("--version")
    assert done.returncode == 0 and __version__ in done.stdout
