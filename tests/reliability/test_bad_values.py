"""Odd numbers and wrong types, from --set and from request files: one clear line, no
session made, and nothing sent to a paid model that the user did not mean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenemaker_desktop.cli import main as cli_main
from tests.conftest import SAMPLE_IMAGE

GENERATE = ["generate", str(SAMPLE_IMAGE), "--action", "drift", "--json"]


def _refused(capsys, home: Path, *args: str) -> tuple[str, dict]:
    code = cli_main([*GENERATE, *args])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("error: ") and "internal error" not in err
    result = json.loads(out.strip().splitlines()[-1])
    assert result == {"status": "error", "error": lines[0].removeprefix("error: ")}
    sessions = home / "sessions"
    assert not sessions.exists() or not any(p.is_dir() for p in sessions.iterdir())
    return lines[0], result


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("seed=inf", "wan: seed must be a whole number"),
        ("seed=-inf", "wan: seed must be a whole number"),
        ("seed=nan", "wan: seed must be a whole number"),
        ("seed=1e400", "wan: seed must be a whole number"),
        ("seed=" + "9" * 5000, "wan: seed must be a whole number"),
        ("num_inference_steps=inf", "num_inference_steps must be a whole number from 2 to 40"),
        ("guide_scale=nan", "guide_scale must be a number from 1 to 10"),
        ("chains=nan", "chains must be a whole number from 1 to 10"),
        ("chains=1e999", "chains must be a whole number from 1 to 10"),
        ("resolution=", "resolution must be one of 480p, 720p"),
        ("enable_safety_checker=maybe", "enable_safety_checker must be true or false"),
    ],
)
def test_odd_values_on_the_command_line_are_refused_in_one_line(setting, words, capsys, home: Path):
    line, _ = _refused(capsys, home, "--model", "wan", "--set", setting)
    assert words in line


def _request_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "request.json"
    path.write_text(text)
    return str(path)


LONG = "x" * 2_000_000
REQUESTS = {
    "num_chains 1e999": ('{"action_direction": "x", "num_chains": 1e999}', "chains must be"),
    "num_chains NaN": ('{"action_direction": "x", "num_chains": NaN}', "chains must be"),
    "num_chains 10**400": (
        '{"action_direction": "x", "num_chains": 1' + "0" * 400 + "}",
        "chains must be",
    ),
    "nested 100,000 deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "action as a list": ('{"action_direction": ["a", "b"]}', "the action must be text, not list"),
    "action as an object": ('{"action_direction": {"x": 1}}', "the action must be text"),
    "theme as a list": ('{"action_direction": "x", "theme": ["x"]}', "theme must be text"),
    "model as a number": ('{"action_direction": "x", "model_type": 5}', "model must be named"),
    "resolution as a list": (
        '{"action_direction": "x", "resolution": ["720p"]}',
        "resolution must be one of",
    ),
    "creativity inf": (
        '{"action_direction": "x", "model_type": "Kling 2.1 PRO", "kling_creativity": "inf"}',
        "cfg_scale must be a number from 0 to 1",
    ),
    "a 2 MB negative prompt": (
        json.dumps(
            {"action_direction": "x", "model_type": "Kling 2.1 PRO", "kling_negative_prompt": LONG}
        ),
        "negative_prompt is too long (2,000,000 characters; at most 1000)",
    ),
    "a 2 MB theme": (
        json.dumps({"action_direction": "x", "theme": LONG}),
        "theme is too long (2,000,000 characters; at most 1000)",
    ),
    "a 2 MB action": (
        json.dumps({"action_direction": LONG}),
        "the action text is too long (2,000,000 characters; at most 1000)",
    ),
    "not an object": ("[1, 2, 3]", "must hold one JSON object"),
}


@pytest.mark.parametrize(("text", "words"), REQUESTS.values(), ids=REQUESTS)
def test_odd_values_in_a_request_file_are_refused_in_one_line(
    text, words, capsys, home: Path, tmp_path: Path
):
    line, _ = _refused(capsys, home, "--request", _request_file(tmp_path, text))
    assert words in line


def test_a_bad_image_with_json_still_ends_with_one_json_object(capsys, home: Path, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    code = cli_main(["generate", str(notes), "--action", "x", "--json"])
    out = capsys.readouterr().out
    assert code == 1
    assert json.loads(out.splitlines()[-1]) == {
        "status": "error",
        "error": "notes.txt is a text file, not an image",
    }


@pytest.mark.parametrize("command", ["show", "resume", "delete"])
def test_a_session_id_with_a_trailing_newline_is_refused(command, engine, capsys):
    from tests.sessions_support import stored_session

    session = stored_session(engine)
    code = cli_main([command, session.id + "\n"])
    err = capsys.readouterr().err.strip()
    assert code == 1 and err.startswith(f"error: no session '{session.id}\\n'")
    assert engine.session_folder(session.id).is_dir()
