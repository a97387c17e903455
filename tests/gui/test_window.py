"""The window as a whole: memory across restarts, health, and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray

from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.gui.main_window import MainWindow
from tests.conftest import REPO
from tests.gui.helpers import WAIT_MS


def test_geometry_and_last_parameters_are_remembered_across_restarts(qtbot, themed, engine):
    first = MainWindow(engine)
    qtbot.addWidget(first)
    first.resize(1234, 777)
    first.show()
    first.studio_page.model.set_model("wan")
    first.studio_page.model.form.controls["resolution"].set_value("480p")
    first.studio_page.model.session_controls["chains"].set_value(4)
    first.close()

    second = MainWindow(Engine.from_environment())
    qtbot.addWidget(second)

    model = second.studio_page.model
    assert model.model_id() == "wan"
    assert model.form.controls["resolution"].value() == "480p"
    assert model.session_controls["chains"].value() == 4
    # The offscreen screen is 800x600, so Qt fits a restored window to it; what we can check
    # is that the geometry was stored and that Qt accepts it back.
    geometry = json.loads((engine.paths.settings_file).read_text())["window_geometry"]
    assert geometry == second.engine.settings.window_geometry
    assert second.restoreGeometry(QByteArray.fromBase64(geometry.encode()))
    second.close()


def test_the_status_bar_shows_keys_ffmpeg_and_jobs(qtbot, window, memory_keyring):
    health = window.health

    qtbot.waitUntil(lambda: health.ffmpeg.toolTip() != "", timeout=WAIT_MS)

    assert "ffmpeg" in health.ffmpeg.toolTip()
    assert health.keys["fal"].toolTip() == "fal key: not set"
    assert "0 running" in health.jobs.text()


_DRIVER = """
import sys
from PySide6.QtCore import QTimer
from scenemaker_desktop.gui.app import make_app, run_app

app = make_app()


def drive(window):
    page = window.studio_page
    page.analysis.action.setPlainText("a long slow drift")
    for key, value in {"resolution": "360p", "duration": 10, "fps": 30}.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(3)

    def generate_when_ready():
        if page.image is None:
            QTimer.singleShot(50, generate_when_ready)
            return
        page.generate()
        report_when_rendering()

    def report_when_rendering():
        jobs = window.queue.jobs
        if jobs and "Rendering" in jobs[0].operation:
            print("RENDERING", jobs[0].session_id, flush=True)
            return
        QTimer.singleShot(50, report_when_rendering)

    generate_when_ready()


def find_window():
    window = next((w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"), None)
    if window is None:
        QTimer.singleShot(10, find_window)
    elif window.is_attached:
        drive(window)
    else:
        window.attached.connect(lambda: drive(window))


QTimer.singleShot(0, find_window)
sys.exit(run_app(sys.argv[1]))
"""


def _read_line(process: subprocess.Popen, timeout: float) -> str:
    """The child's next stdout line, or "" if it has none within ``timeout`` seconds."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_app_and_saves_running_jobs_as_interrupted(
    home: Path, sample_image: Path, signum: int
):
    env = {**os.environ, "SCENEMAKER_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(sample_image)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = _read_line(app, timeout=120)
        if not line.startswith("RENDERING"):
            app.kill()
            pytest.fail(f"the app never started rendering: {app.communicate()[1][-2000:]}")
        session_id = line.split()[1]
        app.send_signal(signum)
        app.wait(timeout=60)
    finally:
        if app.poll() is None:
            app.kill()
    assert app.returncode == 0, app.stderr.read()
    stored = json.loads((home / "sessions" / session_id / "session.json").read_text())
    assert stored["status"] == "interrupted"


def test_about_box_shows_the_one_version_number(qtbot, window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from scenemaker_desktop import __version__

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append(text))
    window.about_action.trigger()
    assert shown and f"SceneMaker {__version__}" in shown[0]


def test_a_file_opened_from_the_desktop_loads_into_the_window(qtbot, qapp, window, sample_image):
    # macOS Finder's "Open With" and the Dock send FileOpen to the application object.
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from scenemaker_desktop.gui.app import SceneMakerApplication, open_files_in

    assert isinstance(qapp, SceneMakerApplication)
    open_files_in(qapp, window)

    QApplication.sendEvent(qapp, QFileOpenEvent(str(sample_image)))

    qtbot.waitUntil(lambda: window.studio_page.image == sample_image, timeout=WAIT_MS)
    assert qapp.last_opened == str(sample_image)


def test_a_file_opened_at_launch_waits_for_the_window(qtbot, qapp, themed, engine, sample_image):
    from PySide6.QtGui import QFileOpenEvent
    from PySide6.QtWidgets import QApplication

    from scenemaker_desktop.gui.app import open_files_in

    QApplication.sendEvent(qapp, QFileOpenEvent(str(sample_image)))  # no window yet
    window = MainWindow(engine)
    qtbot.addWidget(window)
    open_files_in(qapp, window)

    qtbot.waitUntil(lambda: window.studio_page.image == sample_image, timeout=WAIT_MS)
    window.close()


def test_the_app_starts_without_multimedia_chatter_on_stderr(home: Path):
    # The player is set up right after start-up; its notes on missing VA-API and PipeWire
    # libraries and its FFmpeg banner are not for the artist's terminal.
    env = {
        **os.environ,
        "SCENEMAKER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "SCENEMAKER_SMOKE_QUIT_MS": "1500",
    }
    env.pop("QT_LOGGING_RULES", None)
    app = subprocess.run(
        [sys.executable, "-m", "scenemaker_desktop", "gui"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip

    assert app.returncode == 0, app.stderr[-2000:]
    assert "window shown" in app.stderr
    for chatter in ("qt.multimedia.symbolsresolver", "Using Qt multimedia with FFmpeg"):
        assert chatter not in app.stderr


def test_sigterm_the_moment_the_window_is_announced_still_closes_cleanly(home: Path):
    # The window's announcement (smoke mode) comes right after show(): the signal handlers
    # must already be in place then, or SIGTERM kills the process instead of closing it.
    env = {
        **os.environ,
        "SCENEMAKER_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "SCENEMAKER_SMOKE_QUIT_MS": "120000",
    }
    app = subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop", "gui"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for line in app.stderr:
            if "window shown" in line:
                app.send_signal(signal.SIGTERM)
                break
        assert app.wait(timeout=60) == 0
    finally:
        if app.poll() is None:
            app.kill()
