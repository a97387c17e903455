"""The storyboard from the CLI: ``plan`` → edit the JSON → ``generate --plan``, lengths in
seconds, an automatic chain count, and a free draft rendered on a (fake) cloud model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli_cloud import KEY, cli, session_json
from tests.conftest import TINY_LOCAL
from tests.fakes.fal_server import FakeFal

ACTION = "she turns to the sea, then walks to the door, then opens it"
LOCKED = "She stops at the door and looks straight into the lens."


@pytest.fixture
def fake() -> Any:
    with FakeFal(key=KEY) as server:
        yield server


def plan_json(run_cli, image: Path, *args: str) -> dict[str, Any]:
    done = run_cli("plan", str(image), "--action", ACTION, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def edited(plan: dict[str, Any], path: Path) -> Path:
    """``plan`` as an artist leaves it: beat 2 rewritten and locked."""
    plan["beats"][1] = {"index": 2, "text": LOCKED, "locked": True}
    path.write_text(json.dumps(plan, indent=2))
    return path


def last_json(stdout: str) -> dict[str, Any]:
    return json.loads(stdout.strip().splitlines()[-1])


def sessions(home: Path) -> list[str]:
    folder = home / "sessions"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_plan_prints_a_readable_storyboard_and_makes_nothing(run_cli, sample_image, home):
    done = run_cli("plan", str(sample_image), "--action", ACTION, "--chains", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Scene vision: ")
    assert any(line.startswith("3 chains × Local Preview") for line in lines)
    assert [line.split(".")[0].strip() for line in lines if line.startswith("  ")] == [
        "1", "2", "3"
    ]  # fmt: skip
    assert "generate IMAGE --plan FILE.json" in done.stdout
    assert sessions(home) == []


def test_plan_json_is_the_plan_file_with_what_it_would_cost(run_cli, sample_image):
    plan = plan_json(run_cli, sample_image, "--chains", "3", "--model", "kling")
    assert plan["chains"] == 3 and len(plan["beats"]) == 3
    assert plan["action"] == ACTION and plan["model"] == "kling"
    assert plan["estimated_cost_usd"] > 0 and plan["estimated_seconds"] > 0
    assert plan["writer"] == "offline" and plan["scene_vision"]


def test_edited_plan_runs_on_local_preview_with_the_locked_beat_as_written(
    run_cli, sample_image, home, tmp_path
):
    plan = plan_json(run_cli, sample_image, "--chains", "3", *TINY_LOCAL)
    path = edited(plan, tmp_path / "plan.json")
    done = run_cli("generate", str(sample_image), "--plan", str(path), *TINY_LOCAL, "--json")
    assert done.returncode == 0, done.stderr
    result = last_json(done.stdout)
    assert result["status"] == "completed"
    saved = session_json(home, result["session_id"])
    assert saved["plan"]["beats"][1] == {"index": 2, "text": LOCKED, "locked": True}
    assert saved["chains"][1]["prompt"].startswith(LOCKED)
    assert saved["chains"][1]["prompt_source"] == "locked"
    assert saved["request"]["action"] == ACTION  # the plan file carries the action


def test_edited_plan_reaches_the_fal_request_word_for_word(
    run_cli, sample_image, home, fake: FakeFal, tmp_path
):
    plan = plan_json(run_cli, sample_image, "--chains", "3", "--model", "wan")
    path = edited(plan, tmp_path / "plan.json")
    done = cli(home, fake, "generate", str(sample_image), "--plan", str(path), "--json")
    assert done.returncode == 0, done.stderr
    prompts = [r.json["prompt"] for r in fake.requests("submit")]
    assert len(prompts) == 3 and prompts[1].startswith(LOCKED)
    assert plan["beats"][2]["text"].split(":")[0] not in prompts[1]
    assert last_json(done.stdout)["status"] == "completed"


def test_duration_picks_the_chain_count_from_the_models_clip(run_cli, sample_image):
    plan = plan_json(run_cli, sample_image, "--duration", "30", "--model", "kling")
    assert plan["chains"] == 6
    assert plan["chains_reason"].startswith("30 s at 5 s a clip: 6 chains")


def test_chains_auto_lets_the_planner_choose_and_says_why(run_cli, sample_image):
    plan = plan_json(run_cli, sample_image, "--chains", "auto")
    assert plan["chains"] == 4
    assert plan["chains_reason"] == (
        "3 steps in the action: an opening beat and one per step (4 chains)"
    )


def test_generate_with_chains_auto_runs_the_count_the_planner_chose(run_cli, sample_image, home):
    done = run_cli(
        "generate", str(sample_image), "--action", ACTION, "--chains", "auto", *TINY_LOCAL, "--json"
    )
    assert done.returncode == 0, done.stderr
    saved = session_json(home, last_json(done.stdout)["session_id"])
    assert len(saved["chains"]) == saved["request"]["chains"] == 4


def test_scene_vision_is_kept_as_written(run_cli, sample_image):
    plan = plan_json(run_cli, sample_image, "--scene-vision", "  A quiet goodbye at dusk.  ")
    assert plan["scene_vision"] == "A quiet goodbye at dusk."


def test_a_draft_renders_on_a_cloud_model_and_show_links_both_ways(
    run_cli, sample_image, home, fake: FakeFal, tmp_path
):
    plan = plan_json(run_cli, sample_image, "--chains", "2", *TINY_LOCAL)
    path = edited(plan, tmp_path / "plan.json")
    draft = run_cli("generate", str(sample_image), "--plan", str(path), *TINY_LOCAL, "--json")
    assert draft.returncode == 0, draft.stderr
    draft_id = last_json(draft.stdout)["session_id"]

    done = cli(home, fake, "generate", "--from", draft_id, "--model", "kling", "--json")
    assert done.returncode == 0, done.stderr
    render = last_json(done.stdout)
    assert render["draft_of"] == draft_id and render["status"] == "completed"
    prompts = [r.json["prompt"] for r in fake.requests("submit")]
    assert len(prompts) == 2 and prompts[1].startswith(LOCKED)
    shown = run_cli("show", draft_id)
    assert render["session_id"] in shown.stdout
    assert draft_id in run_cli("show", render["session_id"]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--duration", "0"), "the target length must be more than 0 seconds"),
        (("--duration", "100", "--model", "kling"), "100 s needs 20 chains of 5 s"),
        (("--chains", "3", "--duration", "20"), "--chains and --duration both set the chain"),
        (("--chains", "11"), "chains"),
        (("--scene-vision", "x" * 5000), "--scene-vision is too long"),
    ],
)
def test_bad_lengths_are_one_line_and_nothing_is_made(run_cli, sample_image, home, args, message):
    for command in ("plan", "generate"):
        done = run_cli(command, str(sample_image), "--action", ACTION, *args)
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert message in last, done.stderr
    assert sessions(home) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: "{not json", "plan file plan.json is not valid JSON"),
        (lambda p: json.dumps({**p, "mood": "dark"}), "unknown field(s) mood"),
        (lambda p: json.dumps(_beat(p, "")), "beat 2 is empty"),
        (lambda p: json.dumps(_beat(p, "x" * 5000)), "beat 2 is too long (5,000 characters"),
    ],
)
def test_a_bad_plan_file_is_one_line_and_nothing_is_made(
    run_cli, sample_image, home, tmp_path, change, message
):
    plan = plan_json(run_cli, sample_image, "--chains", "3")
    path = tmp_path / "plan.json"
    path.write_text(change(plan))
    done = run_cli("generate", str(sample_image), "--plan", str(path))
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert sessions(home) == []


def test_a_plan_that_disagrees_with_chains_is_refused(run_cli, sample_image, home, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan_json(run_cli, sample_image, "--chains", "3")))
    done = run_cli("generate", str(sample_image), "--plan", str(path), "--chains", "4")
    assert done.returncode == 1
    assert "the plan has 3 beats but 4 chains were asked for" in done.stderr
    assert sessions(home) == []


def test_from_without_a_model_or_with_its_own_words_is_refused(run_cli, home):
    done = run_cli("generate", "--from", "20260101-000000-abcdef", "--action", "x")
    assert done.returncode == 1
    assert "leave out --action" in done.stderr
    done = run_cli("generate", "--from", "20260101-000000-abcdef")
    assert "--from needs --model" in done.stderr
    assert sessions(home) == []


def _beat(plan: dict[str, Any], text: str) -> dict[str, Any]:
    beats = [dict(b) for b in plan["beats"]]
    beats[1]["text"] = text
    return {**plan, "beats": beats}
