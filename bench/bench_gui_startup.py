"""Cold start to the first painted main window, against a bare PySide6 QMainWindow.

Each sample is a fresh Python process (imports included, nothing warm but the OS
file cache), timed from just before the process is spawned to the first Paint
event its main window receives; the process then exits at once. The baseline
is a bare ``QApplication`` + empty ``QMainWindow`` measured in the same run,
interleaved with ours so machine load hits both alike. Target: median ratio ≤ 1.5.

Run: .venv/bin/python bench/bench_gui_startup.py [--runs 7]   (offscreen unless a display is set)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 1.5

# Both children print the seconds since the spawn (passed in SPAWNED_AT) at the first Paint
# of their main window. Ours then also waits for the window's `attached` signal (every page
# built, the engine wired) and prints that time too. The watcher filters the main window's
# events only: a filter on the whole application would make PySide6 wrap every object that
# passes an event (creating the Python enums of each type it meets), a cost the app itself
# never pays and that grows with the number of widget types, so it would tax us, not the
# bare window.
_FIRST_PAINT = """
import os, time
from PySide6.QtCore import QEvent, QObject

def since_spawn():
    return f"{time.time() - float(os.environ['SPAWNED_AT']):.4f}"

class FirstPaint(QObject):
    done = False

    def eventFilter(self, obj, event):
        if self.done or event.type() != QEvent.Type.Paint:
            return False
        self.done = True
        print(since_spawn(), flush=True)
        if not hasattr(obj, "attached") or obj.is_attached:
            os._exit(0)
        obj.attached.connect(lambda: (print(since_spawn(), flush=True), os._exit(0)))
        return False
"""

BARE = (
    _FIRST_PAINT
    + """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
watcher = FirstPaint()
window = QMainWindow()
window.installEventFilter(watcher)
window.resize(1480, 920)
window.show()
app.exec()
"""
)

OURS = (
    _FIRST_PAINT
    + """
from scenemaker_desktop.gui.app import make_app, run_app
from scenemaker_desktop.gui.main_window import MainWindow
app = make_app()
watcher = FirstPaint()
starting = MainWindow.starting

def watched_starting(prefs):
    window = starting(prefs)
    window.installEventFilter(watcher)
    return window

MainWindow.starting = watched_starting
run_app(None)
"""
)


def sample(code: str, env: dict[str, str]) -> list[float]:
    spawned = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "SPAWNED_AT": repr(spawned)},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"no first paint:\n{out.stderr[-2000:]}")
    return [float(line) for line in lines]


def _line(name: str, values: list[float]) -> None:
    median, low, high = (
        round(v * 1000) for v in (statistics.median(values), min(values), max(values))
    )
    print(f"{name:<32} median {median:5d} ms  (min {low}, max {high})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["SCENEMAKER_HOME"] = tempfile.mkdtemp(prefix="scenemaker-bench-")
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # An installed app starts from cached bytecode (pip compiles on install, the frozen
    # build bundles it), so a shell that forbids writing it must not make us compile
    # every module on every start; the cache goes to a temp folder, not the repo.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="scenemaker-bench-pyc-")
    sample(BARE, env), sample(OURS, env)  # warm the file and bytecode caches for both
    bare, ours, ready = [], [], []
    for _ in range(args.runs):
        bare.append(sample(BARE, env)[0])
        painted, *attached = sample(OURS, env)
        ours.append(painted)
        ready.extend(attached)
    b, o = statistics.median(bare), statistics.median(ours)
    _line("bare QMainWindow, first paint", bare)
    _line("SceneMaker, first paint", ours)
    if ready:
        _line("SceneMaker, every page built", ready)
    verdict = "PASS" if o / b <= TARGET else "FAIL"
    print(f"first-paint ratio {o / b:.2f}x (target <= {TARGET}x): {verdict}")
    if ready:
        print(f"fully built / bare first paint: {statistics.median(ready) / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
