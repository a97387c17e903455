"""The frozen app's start-up: bundled ffmpeg found, the loader's library path undone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg

from scenemaker_desktop.frozen import (
    FFMPEG_ENV,
    bundled_ffmpeg,
    ffmpeg_name,
    prepare_frozen_environment,
)

REPO = Path(__file__).resolve().parents[2]


def make_bundle(tmp_path: Path, with_ffmpeg: bool = True) -> Path:
    bundle = tmp_path / "_internal"
    (bundle / "ffmpeg").mkdir(parents=True)
    if with_ffmpeg:
        # a link to the real binary: the bundle layout without copying 170 MB
        (bundle / "ffmpeg" / ffmpeg_name()).symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    return bundle


def test_bundled_ffmpeg_becomes_imageio_ffmpeg_exe(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    environ: dict[str, str] = {}
    prepare_frozen_environment(environ, bundle)
    assert environ[FFMPEG_ENV] == str(bundle / "ffmpeg" / ffmpeg_name())


def test_ffmpeg_chosen_by_the_user_wins_over_the_bundled_one(tmp_path: Path) -> None:
    environ = {FFMPEG_ENV: "/opt/my-ffmpeg/ffmpeg"}
    prepare_frozen_environment(environ, make_bundle(tmp_path))
    assert environ[FFMPEG_ENV] == "/opt/my-ffmpeg/ffmpeg"


def test_bundle_without_ffmpeg_leaves_imageio_to_search(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, with_ffmpeg=False)
    environ: dict[str, str] = {}
    prepare_frozen_environment(environ, bundle)
    assert bundled_ffmpeg(bundle) is None
    assert FFMPEG_ENV not in environ


def test_running_from_source_changes_nothing() -> None:
    environ = {"LD_LIBRARY_PATH": "/somewhere", "PATH": "/usr/bin"}
    prepare_frozen_environment(environ)
    assert environ == {"LD_LIBRARY_PATH": "/somewhere", "PATH": "/usr/bin"}


def test_loader_library_path_is_given_back_to_child_programs(tmp_path: Path) -> None:
    if sys.platform.startswith(("win", "darwin")):
        return  # only Linux's bootloader rewrites LD_LIBRARY_PATH
    bundle = make_bundle(tmp_path)
    with_user_value = {
        "LD_LIBRARY_PATH": f"{bundle}{os.pathsep}/usr/local/lib",
        "LD_LIBRARY_PATH_ORIG": "/usr/local/lib",
    }
    prepare_frozen_environment(with_user_value, bundle)
    assert with_user_value["LD_LIBRARY_PATH"] == "/usr/local/lib"
    assert "LD_LIBRARY_PATH_ORIG" not in with_user_value

    without_user_value = {"LD_LIBRARY_PATH": str(bundle)}
    prepare_frozen_environment(without_user_value, bundle)
    assert "LD_LIBRARY_PATH" not in without_user_value


def test_library_path_the_loader_did_not_touch_is_left_alone(tmp_path: Path) -> None:
    environ = {"LD_LIBRARY_PATH": "/usr/local/lib"}
    prepare_frozen_environment(environ, make_bundle(tmp_path))
    assert environ["LD_LIBRARY_PATH"] == "/usr/local/lib"


def test_cli_in_a_bundle_runs_the_bundled_ffmpeg(tmp_path: Path, home: Path) -> None:
    # What PyInstaller's bootloader sets up, then the real `scenemaker health --json`.
    bundle = make_bundle(tmp_path)
    code = (
        "import sys; sys.frozen = True; sys._MEIPASS = sys.argv[1]; "
        "from scenemaker_desktop.cli import main; sys.exit(main(['health', '--json']))"
    )
    env = {k: v for k, v in os.environ.items() if k != FFMPEG_ENV}
    env["SCENEMAKER_HOME"] = str(home)
    proc = subprocess.run(
        [sys.executable, "-c", code, str(bundle)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=REPO,
    )
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["ffmpeg"]["path"] == str(bundle / "ffmpeg" / ffmpeg_name())
    assert report["ffmpeg"]["ok"] is True


def test_workers_start_from_the_module_or_from_the_bundled_program(monkeypatch) -> None:
    from scenemaker_desktop import frozen

    assert frozen.worker_start() == [sys.executable, "-m", "scenemaker_desktop.engine.run_worker"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/opt/SceneMaker/_internal", raising=False)
    assert frozen.worker_start() == [sys.executable, frozen.WORKER_COMMAND]


def test_the_program_is_a_render_worker_after_the_hidden_command(
    run_cli, home: Path, sample_image: Path
) -> None:
    # What a packaged app runs for each job: its own program, `_run-worker ...`.
    from scenemaker_desktop.engine.catalog import build_request
    from scenemaker_desktop.frozen import WORKER_COMMAND
    from tests.sessions_support import TINY_LOCAL

    request = json.dumps(build_request("local", "slow push in", 1, TINY_LOCAL).to_dict())
    created = run_cli(WORKER_COMMAND, "create", str(sample_image), "--request", request)
    assert created.returncode == 0, created.stderr[-500:]
    session_id = json.loads(created.stdout.splitlines()[-1])["session_id"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop", WORKER_COMMAND, "run", session_id],
        stdin=subprocess.PIPE,  # kept open: its end means "the app is gone"
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "SCENEMAKER_HOME": str(home)},
        cwd=REPO,
    )
    events = [json.loads(line) for line in worker.stdout]
    worker.stdin.close()

    assert worker.wait(timeout=120) == 0
    assert events[0]["type"] == "progress" and "chain" in [e["type"] for e in events]
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "completed"
    assert WORKER_COMMAND not in run_cli("--help").stdout
