from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenemaker_desktop.engine.catalog import (
    MODELS,
    build_request,
    estimate_cost,
    fal_arguments,
    get_model,
    load_seed_request,
    parse_set_options,
    seed_request_to_request,
)
from scenemaker_desktop.engine.errors import ValidationError


def test_catalog_has_the_five_generators_of_the_design():
    assert [m.id for m in MODELS] == ["local", "wan", "pixverse", "luma", "kling"]
    endpoints = {m.id: m.endpoint for m in MODELS}
    assert endpoints["wan"] == "fal-ai/wan-i2v"
    assert endpoints["pixverse"] == "fal-ai/pixverse/v3.5/image-to-video"
    assert endpoints["luma"] == "fal-ai/luma-dream-machine/ray-2/image-to-video"
    assert endpoints["kling"] == "fal-ai/kling-video/v2.1/pro/image-to-video"
    assert endpoints["local"] is None


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("WAN (Default)", "wan"),
        ("Kling 2.1 PRO", "kling"),
        ("LUMA Ray2", "luma"),
        ("Pixverse v3.5", "pixverse"),
        ("Local Preview", "local"),
        ("kling", "kling"),
    ],
)
def test_models_are_found_by_id_display_name_or_seed_name(name, model_id):
    assert get_model(name).id == model_id


def test_unknown_model_lists_the_choices():
    with pytest.raises(ValidationError, match="choose one of local, wan, pixverse, luma, kling"):
        get_model("sora")


def test_defaults_fill_every_parameter():
    request = build_request("wan", "she walks", 2)
    assert request.params["num_frames"] == 81
    assert request.params["frames_per_second"] == 16
    assert request.params["resolution"] == "720p"
    assert request.chains == 2


@pytest.mark.parametrize(
    ("model", "overrides", "message"),
    [
        ("luma", {"duration": "7s"}, "luma: duration must be one of 5s, 9s"),
        ("wan", {"num_frames": "120"}, "wan: num_frames must be a whole number from 81 to 100"),
        ("wan", {"frames_per_second": "4"}, "from 5 to 24"),
        ("kling", {"cfg_scale": "1.5"}, "kling: cfg_scale must be a number from 0 to 1"),
        ("pixverse", {"style": "watercolor"}, "style must be one of none, anime"),
        ("local", {"quality_preservation": "maybe"}, "true or false"),
        ("local", {"face_enhancement": True}, "fal.ai"),
        ("wan", {"quality_vs_speed": "fastest"}, "one of Maximum Quality, Balanced, Speed"),
        ("wan", {"resolution": "1080p"}, "wan: resolution must be one of 480p, 720p"),
        ("wan", {"num_frames": "81.5"}, "whole number"),
    ],
)
def test_out_of_range_values_say_what_is_allowed(model, overrides, message):
    with pytest.raises(ValidationError, match=message):
        build_request(model, "x", 1, overrides)


def test_unknown_parameter_lists_allowed_keys():
    with pytest.raises(ValidationError) as info:
        build_request("kling", "x", 1, {"aspect_ratio": "16:9"})
    assert "unknown parameter 'aspect_ratio'" in str(info.value)
    assert "duration, negative_prompt, cfg_scale" in str(info.value)


def test_pixverse_1080p_needs_five_seconds():
    with pytest.raises(ValidationError, match="1080p is only available with duration 5"):
        build_request("pixverse", "x", 1, {"resolution": "1080p", "duration": "8"})
    assert build_request("pixverse", "x", 1, {"resolution": "1080p", "duration": "5"})


@pytest.mark.parametrize("chains", [0, 11, "three", -1])
def test_chain_count_is_one_to_ten(chains):
    with pytest.raises(ValidationError, match="chains must be a whole number from 1 to 10"):
        build_request("local", "x", chains)


def test_empty_action_is_refused():
    with pytest.raises(ValidationError, match="describe the action"):
        build_request("local", "   ", 1)


def test_crossfade_needs_exact_seams():
    with pytest.raises(ValidationError, match="crossfade needs exact seams"):
        build_request("local", "x", 2, {"seam": "fast", "crossfade": "0.5"})


def test_set_options_parse_and_refuse_malformed_items():
    assert parse_set_options(["duration=9s", "loop = true"]) == {"duration": "9s", "loop": "true"}
    with pytest.raises(ValidationError, match="KEY=VALUE"):
        parse_set_options(["duration"])


def test_luma_accepts_bare_seconds_as_seed_app_did():
    assert build_request("luma", "x", 1, {"duration": "9"}).params["duration"] == "9s"


def _fal(request, prompt, url):
    return fal_arguments(request.spec, request.params, prompt, url)


def test_fal_arguments_send_only_fields_the_endpoint_accepts():
    luma = _fal(build_request("luma", "x", 1), "a prompt", "http://img")
    assert set(luma) == {"prompt", "image_url", "duration", "resolution", "aspect_ratio", "loop"}
    kling = _fal(build_request("kling", "x", 1, {"cfg_scale": 0.8}), "p", "http://img")
    assert kling["cfg_scale"] == 0.8 and "seed" not in kling and "resolution" not in kling


def test_random_seed_and_style_none_are_not_sent():
    pix = _fal(build_request("pixverse", "x", 1), "p", "u")
    assert "seed" not in pix and "style" not in pix
    pix = _fal(build_request("pixverse", "x", 1, {"seed": 7, "style": "anime"}), "p", "u")
    assert pix["seed"] == 7 and pix["style"] == "anime"


@pytest.mark.parametrize(
    ("model", "overrides", "per_clip"),
    [
        ("wan", {"resolution": "480p"}, 0.20),
        ("wan", {"resolution": "720p"}, 0.40),
        ("kling", {"duration": "5"}, 0.49),
        ("kling", {"duration": "10"}, 0.98),
        ("luma", {"resolution": "540p", "duration": "5s"}, 0.50),
        ("luma", {"resolution": "720p", "duration": "5s"}, 1.00),
        ("luma", {"resolution": "1080p", "duration": "9s"}, 4.00),
        ("pixverse", {"resolution": "540p", "duration": "5"}, 0.15),
        ("pixverse", {"resolution": "720p", "duration": "8"}, 0.40),
        ("pixverse", {"resolution": "1080p", "duration": "5"}, 0.40),
        ("local", {}, 0.0),
    ],
)
def test_prices_follow_the_design_table(model, overrides, per_clip):
    estimate = estimate_cost(build_request(model, "x", 3, overrides))
    assert estimate.per_clip_usd == pytest.approx(per_clip)
    assert estimate.total_usd == pytest.approx(round(per_clip * 3, 2))


def test_seed_request_with_display_names_maps_to_catalog_keys():
    request = seed_request_to_request(
        {
            "model_type": "Kling 2.1 PRO",
            "action_direction": "she turns and walks into the fog",
            "num_chains": 2,
            "kling_creativity": 0.7,
            "kling_duration": "10",
            "kling_aspect_ratio": "16:9",
            "pixverse_duration": "8",
            "theme": "noir mystery",
            "resolution": "720p",
        }
    )
    assert request.model == "kling"
    assert request.params["cfg_scale"] == 0.7
    assert request.params["duration"] == "10"
    assert request.chains == 2
    assert request.analysis == {"theme": "noir mystery"}


def test_seed_request_for_wan_maps_legacy_switches():
    request = seed_request_to_request(
        {
            "model_type": "WAN (Default)",
            "action_direction": "waves roll",
            "inference_steps": 40,
            "safety_checker": True,
            "prompt_expansion": True,
            "seed": 42,
            "resolution": "480p",
        }
    )
    assert request.params["num_inference_steps"] == 40
    assert request.params["enable_safety_checker"] is True
    assert request.params["seed"] == 42
    assert request.params["resolution"] == "480p"


def test_seed_request_file_errors_are_clear(tmp_path: Path):
    missing = tmp_path / "nope.json"
    with pytest.raises(ValidationError, match="request file not found"):
        load_seed_request(missing)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValidationError, match="is not valid JSON"):
        load_seed_request(broken)
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps({"action_direction": "x", "num_chainz": 3}))
    with pytest.raises(ValidationError, match=r"unknown request field.*num_chainz"):
        load_seed_request(typo)


def test_request_survives_a_round_trip_through_json():
    request = build_request("pixverse", "x", 4, {"style": "clay"}, analysis={"theme": "toy"})
    again = type(request).from_dict(json.loads(json.dumps(request.to_dict())))
    assert again == request


def test_fields_a_model_does_not_use_are_noted_not_applied():
    from scenemaker_desktop.engine.catalog.seed_request import translate_seed_request

    translation = translate_seed_request(
        {
            "model_type": "Kling 2.1 PRO",
            "action_direction": "she turns",
            "kling_aspect_ratio": "9:16",
            "pixverse_style": "anime",
            "kling_creativity": 0.2,
            "enable_face_swapping": None,  # sent as null: not sent at all
        }
    )

    assert translation.request.params["cfg_scale"] == 0.2
    assert translation.unused == (
        "kling_aspect_ratio is not used: Kling 2.1 PRO takes the image's own shape",
        "pixverse_style is for Pixverse v3.5; Kling 2.1 PRO does not use it",
    )


def test_the_old_request_format_is_described_from_the_catalog():
    from scenemaker_desktop.engine.catalog.seed_request import (
        known_fields,
        old_app_config,
        seed_fields,
    )

    described = {field.name: field for field in seed_fields()}
    assert set(described) == set(known_fields())
    assert all(field.description for field in described.values())
    assert [name for name, field in described.items() if field.required] == ["action_direction"]
    assert (described["num_chains"].minimum, described["num_chains"].maximum) == (1, 10)
    config = old_app_config()
    assert (config.default_resolution, config.default_inference_steps) == ("720p", 30)
    assert config.model_names[:4] == (
        "WAN (Default)",
        "Pixverse v3.5",
        "LUMA Ray2",
        "Kling 2.1 PRO",
    )


def test_a_stored_request_that_no_longer_validates_makes_the_session_read_as_damaged(
    tmp_path, sample_image
):
    from scenemaker_desktop.engine.errors import SessionDamagedError
    from scenemaker_desktop.engine.sessions.intake import create_session
    from scenemaker_desktop.engine.sessions.store import SESSION_FILE, SessionStore

    store = SessionStore(tmp_path / "sessions")
    session = create_session(store, sample_image, build_request("local", "drift", 1))
    path = store.folder(session.id) / SESSION_FILE
    data = json.loads(path.read_text())
    data["request"]["params"]["fps"] = 500
    path.write_text(json.dumps(data))

    with pytest.raises(SessionDamagedError, match="cannot run: local: fps must be"):
        store.load(session.id)
    assert [listing.status for listing in store.list()] == ["damaged"]
