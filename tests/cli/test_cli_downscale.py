"""Images over the pixel limit: refused with a hint, or used as a smaller copy with --downscale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import TINY_LOCAL
from tests.engine.test_images import crafted_png


def _sixty_megapixels(path: Path) -> Path:
    Image.new("L", (10_000, 6_000), 90).save(path)  # solid grey: a 60 MP PNG in 0.3 s
    return path


def _stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


@pytest.mark.parametrize("command", ["generate", "analyze"])
def test_too_large_image_is_refused_with_the_downscale_hint(run_cli, tmp_path, home, command):
    # Only the header is read on refusal, so a crafted 60 MP header stands in for the file.
    image = crafted_png(tmp_path / "painting.png", 10_000, 6_000)
    args = ("--action", "x") if command == "generate" else ()
    done = run_cli(command, str(image), *args, "--json")
    assert done.returncode == 1
    message = (
        "painting.png is too large: 10000×6000 px is 60.0 megapixels, at most 50; "
        "it can be downscaled to fit (pass --downscale to use a smaller copy)"
    )
    assert _stderr_lines(done) == [f"error: {message}"]
    assert json.loads(done.stdout.splitlines()[-1]) == {"status": "error", "error": message}
    assert not (home / "sessions").exists() or not any((home / "sessions").iterdir())


def test_downscale_does_not_lift_the_hard_limit(run_cli, tmp_path):
    image = crafted_png(tmp_path / "bomb.png", 20_000, 15_000)
    done = run_cli("generate", str(image), "--action", "x", "--downscale")
    assert done.returncode == 1
    assert _stderr_lines(done) == ["error: bomb.png is too large: 300.0 megapixels, at most 50"]


def test_generate_with_downscale_runs_on_a_smaller_copy(run_cli, tmp_path):
    image = _sixty_megapixels(tmp_path / "painting.png")
    temp = tmp_path / "temp"
    temp.mkdir()
    done = run_cli(
        "generate",
        str(image),
        "--downscale",
        "--action",
        "drift",
        "--chains",
        "1",
        "--model",
        "local",
        *TINY_LOCAL,
        "--json",
        env={"TMPDIR": str(temp)},
    )
    assert done.returncode == 0, done.stderr
    assert _stderr_lines(done)[0] == ("downscaled painting.png from 60.0 MP to 8944×5367 (48.0 MP)")
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "completed"
    with Image.open(Path(result["folder"]) / "input.png") as used:
        assert used.size == (8944, 5367)
    with Image.open(image) as original:
        assert original.size == (10_000, 6_000)  # left as it was
    assert not any(temp.iterdir())  # the copy went with its temporary folder
