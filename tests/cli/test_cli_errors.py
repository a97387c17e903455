"""Bad input: one clear line on stderr, no traceback, a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import TINY_LOCAL


def _one_line_error(result) -> str:
    assert result.returncode != 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("notes.txt", b"just some words\n", "not an image"),
        ("page.html", b"<!doctype html><html><body>hi</body></html>", "not an image"),
        ("empty.png", b"", "empty"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', "SVG"),
    ],
)
def test_files_that_are_not_images_are_refused_in_one_line(
    run_cli, tmp_path, name, content, expected, home
):
    path = tmp_path / name
    path.write_bytes(content)
    line = _one_line_error(run_cli("generate", str(path), "--action", "x"))
    assert expected.lower() in line.lower()
    assert not (home / "sessions").exists() or not any((home / "sessions").iterdir())


def test_missing_image_is_refused(run_cli, tmp_path):
    line = _one_line_error(run_cli("generate", str(tmp_path / "nope.png"), "--action", "x"))
    assert "nope.png" in line


def test_unknown_set_key_lists_what_is_allowed(run_cli, sample_image):
    line = _one_line_error(
        run_cli("generate", str(sample_image), "--action", "x", "--set", "sharpness=11")
    )
    assert "unknown parameter 'sharpness'" in line
    assert "duration" in line and "motion_strength" in line


def test_out_of_range_value_names_the_range(run_cli, sample_image):
    line = _one_line_error(
        run_cli("generate", str(sample_image), "--action", "x", "--set", "duration=60")
    )
    assert line == "error: local: duration must be a whole number from 2 to 10"


def test_cloud_model_without_a_key_says_how_to_fix_it(run_cli, sample_image, home):
    line = _one_line_error(
        run_cli("generate", str(sample_image), "--action", "x", "--model", "luma")
    )
    assert "needs a fal key" in line and "FAL_KEY" in line
    assert not (home / "sessions").exists() or not any((home / "sessions").iterdir())


def test_missing_action_is_explained(run_cli, sample_image):
    assert "describe the action" in _one_line_error(run_cli("generate", str(sample_image)))


def test_unwritable_home_is_reported_not_a_traceback(run_cli, sample_image, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    line = _one_line_error(
        run_cli(
            "generate", str(sample_image), "--action", "x", env={"SCENEMAKER_HOME": str(blocker)}
        )
    )
    assert "cannot write sessions" in line


def test_tiny_image_is_refused_with_its_size(run_cli, tmp_path):
    path = tmp_path / "tiny.png"
    Image.new("RGB", (40, 30), "red").save(path)
    line = _one_line_error(run_cli("generate", str(path), "--action", "x"))
    assert "40" in line and "64" in line


def test_resume_of_unknown_session_fails_cleanly(run_cli):
    assert "no session" in _one_line_error(run_cli("resume", "20990101-000000-abcdef"))
    assert "no session" in _one_line_error(run_cli("show", "../../etc"))


def test_damaged_session_is_listed_not_fatal(run_cli, home):
    folder = home / "sessions" / "20260101-000000-abcdef"
    folder.mkdir(parents=True)
    (folder / "session.json").write_text("{")
    listed = run_cli("sessions", "--json")
    assert listed.returncode == 0
    rows = json.loads(listed.stdout.splitlines()[-1])["sessions"]
    assert rows[0]["status"] == "damaged"


def test_image_names_with_spaces_and_accents_work(run_cli, tmp_path):
    path = tmp_path / "mé image ü.png"
    Image.new("RGB", (160, 90), "teal").save(path)
    done = run_cli(
        "generate",
        str(path),
        "--action",
        "drift",
        "--chains",
        "1",
        *TINY_LOCAL,
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert Path(json.loads(done.stdout.splitlines()[-1])["final_video"]).is_file()
