"""The longest GUI event-loop stall while the queue renders, against baselines from the same run.

A 1 ms QTimer records the gaps between its ticks on the GUI thread, in three phases:
1. the real main window, idle;
2. the machine floor: a bare QCoreApplication in its own process ticking while the
   same two sessions render in engine worker processes started as the app starts
   them (no window at all), which shows what the CPU and the other processes on
   the box cost any event loop;
3. the real main window running 2 jobs × 3 Local Preview chains at once (720p,
   3 s, 24 fps) through its queue, previews and player updating as chains land.
   The form is set up first (model, parameters, chains); the measured part is the
   user typing each job's action and pressing Generate, each in its own event-loop
   turn, and everything the window does until both jobs end.
Target: longest gap < 16 ms (one frame at 60 Hz) in phase 3; the ratio to phase 2
says how much of a stall is the app's own.

Run: .venv/bin/python bench/bench_gui_stall.py   (offscreen unless a display is set)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SCENEMAKER_HOME"] = tempfile.mkdtemp(prefix="scenemaker-bench-")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer

from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.gui.app import make_app
from scenemaker_desktop.gui.main_window import MainWindow
from scenemaker_desktop.gui.theme import apply_theme

SAMPLE = Path(__file__).resolve().parent.parent / "resources" / "sample_coast.jpg"
PARAMS = {"resolution": "720p", "duration": 3, "fps": 24}
TARGET_MS = 16.0
IDLE_SECONDS = 3.0


class GapMeter:
    """Ticks every millisecond on the GUI thread and keeps the gaps between ticks."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self._last = 0

    def start(self) -> None:
        self.gaps.clear()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return list(self.gaps)

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now


def spin_until(condition, timeout: float) -> None:
    """Run the event loop (as app.exec() would) until ``condition()`` or ``timeout``."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(50)
    loop.exec()
    poll.stop()


_FLOOR = """
import json, sys, threading
from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, QTimer
app = QCoreApplication([])
clock, gaps, last = QElapsedTimer(), [], [0]
def tick():
    now = clock.nsecsElapsed(); gaps.append((now - last[0]) / 1e6); last[0] = now
timer = QTimer(); timer.setTimerType(Qt.TimerType.PreciseTimer); timer.setInterval(1)
timer.timeout.connect(tick)
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
stop = QTimer(); stop.timeout.connect(lambda: done.is_set() and app.quit()); stop.start(50)
clock.start(); last[0] = clock.nsecsElapsed(); timer.start(); app.exec()
print(json.dumps(gaps[1:]))
"""


def machine_floor(engine: Engine) -> tuple[list[float], float]:
    """Ticks of a bare event loop in another process while two sessions render headless."""
    from scenemaker_desktop.engine.catalog import build_request
    from scenemaker_desktop.engine.worker_process import own_process_group, worker_command

    ticker = subprocess.Popen(
        [sys.executable, "-c", _FLOOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    time.sleep(1.0)  # let it start ticking
    workers = []
    started = time.monotonic()
    for action in ("slow push in toward the lighthouse", "a gentle pan along the shore"):
        session = engine.create_session(SAMPLE, build_request("local", action, 3, PARAMS))
        workers.append(subprocess.Popen(
            worker_command(engine.sessions_dir, "run", session.id),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, **own_process_group(),
        ))  # fmt: skip
    for worker in workers:
        worker.wait()
    elapsed = time.monotonic() - started
    out, _ = ticker.communicate("")
    return json.loads(out), elapsed


def summary(gaps: list[float]) -> str:
    ordered = sorted(gaps)
    p99 = ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0
    return (
        f"ticks {len(gaps):6d}  median {statistics.median(gaps):5.2f} ms  "
        f"p99 {p99:6.2f} ms  max {max(gaps):6.2f} ms"
    )


def set_up_form(window: MainWindow) -> None:
    """Local Preview, the bench's parameters and 3 chains, as the user picks them first."""
    page = window.studio_page
    page.model.set_model("local")
    for key, value in PARAMS.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(3)


def queue_jobs(window: MainWindow) -> None:
    """Two jobs: type the action, then press Generate, each in its own event-loop turn."""
    page = window.studio_page
    steps = (
        (0, lambda: page.analysis.action.setPlainText("slow push in toward the lighthouse")),
        (100, page.generate),
        (300, lambda: page.analysis.action.setPlainText("a gentle pan along the shore")),
        (400, page.generate),
    )
    for delay, step in steps:
        QTimer.singleShot(delay, step)


def main() -> int:
    app = make_app()
    apply_theme(app, "dark")
    engine = Engine.from_environment()
    floor, floor_seconds = machine_floor(engine)
    window = MainWindow(engine)
    window.resize(1480, 920)
    window.show()
    window.load_image(SAMPLE)
    spin_until(lambda: window.studio_page.analysis.fields["theme"].text() != "", 60)
    spin_until(lambda: window.studio_page.preview.player.media is not None, 10)
    set_up_form(window)

    meter = GapMeter()
    meter.start()
    spin_until(lambda: False, IDLE_SECONDS)
    idle = meter.stop()

    meter.start()
    queue_jobs(window)
    started = time.monotonic()
    spin_until(
        lambda: len(window.queue.jobs) == 2 and all(j.status.finished for j in window.queue.jobs),
        600,
    )
    busy = meter.stop()
    elapsed = time.monotonic() - started
    statuses = [j.status.value for j in window.queue.jobs]
    window.close()

    print(f"1 idle window              {summary(idle)}")
    print(f"2 bare loop, jobs headless {summary(floor)}  ({floor_seconds:.1f} s)")
    print(f"3 window, 2 jobs x 3 chains {summary(busy)}  ({elapsed:.1f} s, {statuses})")
    worst, base = max(busy), max(max(floor), 0.001)
    verdict = "PASS" if worst < TARGET_MS else "FAIL"
    print(
        f"longest stall while generating: {worst:.1f} ms (machine floor {base:.1f} ms, "
        f"ratio {worst / base:.1f}x; p99 {_p99(busy):.1f} vs {_p99(floor):.1f} ms); "
        f"target < {TARGET_MS:.0f} ms: {verdict}"
    )
    return 0


def _p99(gaps: list[float]) -> float:
    ordered = sorted(gaps)
    return ordered[int(len(ordered) * 0.99) - 1] if ordered else 0.0


if __name__ == "__main__":
    sys.exit(main())
