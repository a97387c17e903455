"""Smoke check of the packaged app: runs the frozen bundle (never the source).

    .venv/bin/python tools/package_check.py [dist/SceneMaker] [--shots DIR]

Checks, each against dist/SceneMaker/scenemaker:
  layout     ffmpeg, resources, the media plugin inside; no QML, no translations
  libraries  every bundled library loads (ldd); only desktop-provided ones may be missing
  version    `scenemaker --version` prints the one version number
  generate   Local Preview on the bundled sample image, offline, in a temporary
             SCENEMAKER_HOME: a completed session with a playable final.mp4, and
             nothing written inside the bundle
  worker     the program as the app's render worker (`_run-worker create` / `run`):
             JSON events on stdout, the session completed
  locations  without SCENEMAKER_HOME, sessions go to the platformdirs data folder
  gui        offscreen (and under Xvfb when xvfb-run exists): the window shows,
             Qt Multimedia has its backend, the app quits by itself with exit 0
  sigterm    the shown app closes cleanly on SIGTERM (exit 0)
  serve      `scenemaker serve` answers on loopback, runs a Local Preview session sent over
             HTTP in its render workers to the end, and stops on SIGTERM with exit 0
The GUI checks rely on SCENEMAKER_SMOKE_QUIT_MS (scenemaker_desktop/smoke.py).
Ends with "package-check: all N checks ok" (or "F of N checks failed", exit 1).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scenemaker_desktop import __version__  # noqa: E402
from scenemaker_desktop.smoke import QUIT_ENV, SCREENSHOT_ENV, SHOWN_MARKER  # noqa: E402

GUI_TIMEOUT = 120  # seconds: a cold start on a busy 2-core CI machine
NO_MULTIMEDIA = "No QtMultimedia backends found"
# Libraries a desktop provides that the build machine may lack (and must not bundle).
DESKTOP_LIBS = ("libwayland-",)
SCRUBBED_ENV = (
    "FAL_KEY",
    "OPENAI_API_KEY",
    "SCENEMAKER_FAL_URL",
    "OPENAI_BASE_URL",
    "SCENEMAKER_HOME",
    "IMAGEIO_FFMPEG_EXE",
    QUIT_ENV,
    SCREENSHOT_ENV,
)


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


class Bundle:
    def __init__(self, folder: Path, work: Path) -> None:
        self.folder = folder
        self.app = folder / ("scenemaker.exe" if sys.platform.startswith("win") else "scenemaker")
        self.internal = folder / "_internal"
        self.resources = self.internal / "scenemaker_desktop" / "resources"  # see build.spec
        self.work = work
        self.offline = _offline_prefix()

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        # No network for the app: Local Preview needs none, and nothing may try.
        env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
        env.update(extra)
        return env

    def run(self, *args: str, env: dict[str, str], timeout: float = 300):
        return subprocess.run(
            [*self.offline, str(self.app), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.work,
        )


def _offline_prefix() -> list[str]:
    """`unshare -n` (a network namespace with nothing in it) where the system allows it."""
    if shutil.which("unshare") is None:
        return []
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    return ["unshare", "-n"] if probe.returncode == 0 else []


def check_layout(b: Bundle) -> str:
    expect(b.app.is_file() and os.access(b.app, os.X_OK), f"no executable at {b.app}")
    ffmpeg = b.internal / "ffmpeg" / ("ffmpeg.exe" if sys.platform.startswith("win") else "ffmpeg")
    expect(ffmpeg.is_file() and os.access(ffmpeg, os.X_OK), "ffmpeg is not in the bundle")
    for part in (
        "__init__.py",  # a regular package: importlib.resources hands back this one folder
        "sample_coast.jpg",
        "theme/app.qss",
        "icons/scenemaker-256.png",
        "icons/app.svg",
    ):
        expect((b.resources / part).is_file(), f"resources/{part} is not in the bundle")
    plugins = list(b.internal.glob("PySide6/**/plugins/multimedia/*ffmpegmediaplugin*"))
    expect(bool(plugins), "Qt Multimedia's FFmpeg plugin is not in the bundle")
    for unwanted in ("qml", "translations"):
        found = [p for p in b.internal.glob(f"PySide6/**/{unwanted}") if p.is_dir()]
        expect(not found, f"the bundle still carries {found[0] if found else ''}")
    return f"{_mebibytes(b.folder)} MiB in {b.folder}"


def check_libraries(b: Bundle) -> str:
    if shutil.which("ldd") is None:
        return "skipped (no ldd)"
    libraries = [p for p in b.internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    missing_from_desktop: set[str] = set()
    for lib in libraries:
        ldd = subprocess.run(["ldd", str(lib)], capture_output=True, text=True)
        out = ldd.stdout + ldd.stderr
        expect("error while loading" not in out, f"{lib.name} cannot load: {out.strip()[:300]}")
        for name in re.findall(r"^\s*(\S+) => not found", out, re.MULTILINE):
            expect(name.startswith(DESKTOP_LIBS), f"{lib.relative_to(b.folder)} needs {name}")
            missing_from_desktop.add(name)
    extra = (
        f"; from the desktop: {', '.join(sorted(missing_from_desktop))}"
        if missing_from_desktop
        else ""
    )
    return f"{len(libraries)} libraries load{extra}"


def check_version(b: Bundle) -> str:
    proc = b.run("--version", env=b.env(), timeout=60)
    expect(proc.returncode == 0, f"--version exited {proc.returncode}: {proc.stderr.strip()}")
    expect(proc.stdout.strip() == f"SceneMaker {__version__}", f"--version said {proc.stdout!r}")
    return proc.stdout.strip()


def check_generate(b: Bundle) -> str:
    home = b.work / "home"
    before = _listing(b.folder)
    env = b.env(SCENEMAKER_HOME=str(home))
    sample = b.resources / "sample_coast.jpg"
    args = (
        "generate",
        str(sample),
        "--action",
        "slow push in",
        "--model",
        "local",
        "--chains",
        "2",
        "--set",
        "resolution=480p",
        "--set",
        "duration=2",
        "--json",
    )
    started = time.monotonic()
    proc = b.run(*args, env=env)
    took = time.monotonic() - started
    expect(proc.returncode == 0, f"generate exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    expect(report["status"] == "completed", f"session ended {report['status']}")
    final = Path(report["final_video"])
    expect(final.is_file() and final.stat().st_size > 10_000, f"no final video at {final}")
    expect(home in final.parents, f"final video {final} is outside SCENEMAKER_HOME")
    header = subprocess.run(
        [str(b.internal / "ffmpeg" / "ffmpeg"), "-hide_banner", "-i", str(final)],
        capture_output=True,
        text=True,
    ).stderr
    expect("Video: h264" in header, f"final.mp4 is not H.264: {header[-300:]}")
    show = json.loads(
        b.run("show", report["session_id"], "--json", env=env).stdout.splitlines()[-1]
    )
    expect(show["status"] == "completed", "show does not report the session completed")
    expect(_listing(b.folder) == before, "generate wrote files inside the bundle")
    size_kb = final.stat().st_size // 1024
    return f"session {report['session_id']} completed in {took:.1f} s; final.mp4 {size_kb} KB"


def check_worker(b: Bundle) -> str:
    """What the packaged app starts for each job: its own program after ``_run-worker``."""
    from scenemaker_desktop.engine.catalog import build_request
    from scenemaker_desktop.frozen import WORKER_COMMAND

    env = b.env(SCENEMAKER_HOME=str(b.work / "worker-home"))
    params = {"resolution": "360p", "duration": 2, "fps": 12}
    request = json.dumps(build_request("local", "slow push in", 1, params).to_dict())
    sample = str(b.resources / "sample_coast.jpg")
    created = b.run(WORKER_COMMAND, "create", sample, "--request", request, env=env)
    expect(created.returncode == 0, f"create exited {created.returncode}: {created.stdout}")
    session_id = json.loads(created.stdout.strip().splitlines()[-1])["session_id"]
    worker = subprocess.Popen(
        [*b.offline, str(b.app), WORKER_COMMAND, "run", session_id],
        stdin=subprocess.PIPE,  # kept open while it runs: its end means "the app is gone"
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=b.work,
    )
    assert worker.stdout is not None and worker.stdin is not None
    events = [json.loads(line) for line in worker.stdout]
    worker.stdin.close()
    expect(worker.wait(timeout=300) == 0, f"the worker exited {worker.returncode}")
    kinds = [event["type"] for event in events]
    expect(kinds[-1:] == ["finished"], f"the worker's last event was {kinds[-1:]}")
    expect(events[-1].get("status") == "completed", f"the session ended {events[-1]}")
    return f"{len(events)} events ({kinds.count('progress')} progress), session completed"


def check_locations(b: Bundle) -> str:
    user_home = b.work / "user"
    env = b.env(HOME=str(user_home))
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        env.pop(name, None)
    proc = b.run("health", "--json", env=env, timeout=120)
    health = json.loads(proc.stdout.strip().splitlines()[-1])
    sessions = Path(health["sessions_dir"]["path"])
    expect(
        user_home in sessions.parents, f"sessions would go to {sessions}, not the user's folders"
    )
    expect(b.folder not in sessions.parents, "sessions would go inside the bundle")
    ffmpeg = Path(health["ffmpeg"]["path"])
    expect(health["ffmpeg"]["ok"] and b.folder in ffmpeg.parents, f"ffmpeg used: {ffmpeg}")
    return f"sessions in ~/{sessions.relative_to(user_home)}, ffmpeg from the bundle"


def check_gui(b: Bundle, platform: str, prefix: list[str], shot: Path) -> str:
    env = b.env(
        SCENEMAKER_HOME=str(b.work / "gui-home"),
        QT_QPA_PLATFORM=platform,
        **{QUIT_ENV: "1500", SCREENSHOT_ENV: str(shot)},
    )
    started = time.monotonic()
    proc = subprocess.run(
        [*prefix, *b.offline, str(b.app)],
        capture_output=True,
        text=True,
        timeout=GUI_TIMEOUT,
        env=env,
        cwd=b.work,
    )
    took = time.monotonic() - started
    expect(SHOWN_MARKER in proc.stderr, f"the window never showed: {proc.stderr.strip()[-500:]}")
    expect(NO_MULTIMEDIA not in proc.stderr, "Qt Multimedia found no backend (FFmpeg plugin)")
    expect(proc.returncode == 0, f"the app exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
    expect(shot.is_file() and _not_blank(shot), f"the window drew nothing ({shot})")
    return f"window shown and closed with exit 0 in {took:.1f} s; screenshot {shot}"


def check_sigterm(b: Bundle) -> str:
    env = b.env(
        SCENEMAKER_HOME=str(b.work / "gui-home"),
        QT_QPA_PLATFORM="offscreen",
        **{QUIT_ENV: str(GUI_TIMEOUT * 1000)},
    )
    proc = subprocess.Popen(
        [*b.offline, str(b.app)],
        stderr=subprocess.PIPE,
        text=True,
        stdout=subprocess.DEVNULL,
        env=env,
        cwd=b.work,
    )
    shown = threading.Event()
    lines: list[str] = []

    def watch() -> None:
        for line in proc.stderr:  # type: ignore[union-attr]
            lines.append(line)
            if SHOWN_MARKER in line:
                shown.set()

    threading.Thread(target=watch, daemon=True).start()
    try:
        expect(shown.wait(GUI_TIMEOUT), f"the window never showed: {''.join(lines)[-500:]}")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    expect(code == 0, f"SIGTERM ended the app with {code}: {''.join(lines)[-500:]}")
    return "closed with exit 0"


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def _mebibytes(folder: Path) -> int:
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 2**20)


def _not_blank(png: Path) -> bool:
    from PIL import Image

    with Image.open(png) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    return colours is None or len(colours) > 16


def main() -> int:
    parser = argparse.ArgumentParser(description="Smoke check of the packaged app.")
    parser.add_argument("folder", nargs="?", type=Path, default=REPO / "dist" / "SceneMaker")
    parser.add_argument("--shots", type=Path, help="keep the GUI screenshots in this folder")
    parser.add_argument("--skip-gui", action="store_true", help="only the CLI and layout checks")
    parser.add_argument("--only", help="comma-separated check names, e.g. 'version,sigterm'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scenemaker-package-check-") as tmp:
        bundle = Bundle(args.folder.resolve(), Path(tmp))
        shots = (args.shots or Path(tmp)).resolve()
        shots.mkdir(parents=True, exist_ok=True)
        checks = _checks(bundle, shots, args.skip_gui)
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")}
            checks = [c for c in checks if c[0] in wanted or c[0].split()[0] in wanted]
        return _run_all(bundle, checks)


def _checks(b: Bundle, shots: Path, skip_gui: bool) -> list[tuple[str, Callable[[], str]]]:
    from package_serve import check_serve  # this folder: run as a script, it is on sys.path

    checks = [
        ("layout", lambda: check_layout(b)),
        ("libraries", lambda: check_libraries(b)),
        ("version", lambda: check_version(b)),
        ("generate", lambda: check_generate(b)),
        ("worker", lambda: check_worker(b)),
        ("locations", lambda: check_locations(b)),
        ("serve", lambda: check_serve(b, expect)),
    ]
    if skip_gui:
        return checks
    checks.append(
        ("gui offscreen", lambda: check_gui(b, "offscreen", [], shots / "gui-offscreen.png"))
    )
    if shutil.which("xvfb-run"):
        xvfb = ["xvfb-run", "-a", "-s", "-screen 0 1440x900x24"]
        checks.append(("gui xvfb", lambda: check_gui(b, "xcb", xvfb, shots / "gui-xvfb.png")))
    checks.append(("sigterm", lambda: check_sigterm(b)))
    return checks


def _run_all(b: Bundle, checks: list[tuple[str, Callable[[], str]]]) -> int:
    offline = "unshare -n" if b.offline else "a dead proxy (no unshare)"
    print(f"package-check {b.app} (SceneMaker {__version__}); offline through {offline}")
    failed = 0
    for name, check in checks:
        try:
            detail = check()
            print(f"  ok    {name:<14} {detail}", flush=True)
        except (CheckFailed, subprocess.SubprocessError, OSError, ValueError, KeyError) as exc:
            failed += 1
            print(f"  FAIL  {name:<14} {type(exc).__name__}: {exc}", flush=True)
    # Worded unlike a test runner's summary so CI counts pytest's line, not this one.
    total = len(checks)
    outcome = f"{failed} of {total} checks failed" if failed else f"all {total} checks ok"
    print(f"package-check: {outcome}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
