"""Drive the desktop app through its main states and save screenshots in docs/screenshots/.

Run under a real display (the video surface needs one):
    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshots.py

It uses a throw-away SCENEMAKER_HOME and a demo fal key from the environment, so
nothing of the user's is touched and no network is used (only Local Preview runs).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
SAMPLE = REPO / "resources" / "sample_coast.jpg"
WIDTH, HEIGHT = 1600, 1000

os.environ["SCENEMAKER_HOME"] = tempfile.mkdtemp(prefix="scenemaker-shots-")
os.environ["FAL_KEY"] = "demo-key-for-screenshots"
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402

from scenemaker_desktop.engine.catalog import build_request  # noqa: E402
from scenemaker_desktop.engine.facade import Engine  # noqa: E402
from scenemaker_desktop.engine.sessions.model import SessionStatus  # noqa: E402
from scenemaker_desktop.engine.sessions.store import SessionStore  # noqa: E402
from scenemaker_desktop.gui.app import make_app  # noqa: E402
from scenemaker_desktop.gui.main_window import MainWindow  # noqa: E402
from scenemaker_desktop.gui.theme import apply_theme  # noqa: E402

ACTION = "the lighthouse beam sweeps slowly across the bay as the sun sinks"


def spin(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        spin(50)


def shoot(window: MainWindow, name: str) -> Path:
    """Grab the screen where the window is (dialogs and the video surface included)."""
    spin(400)
    screen = QGuiApplication.primaryScreen()
    geometry = window.frameGeometry()
    pixmap = screen.grabWindow(0, geometry.x(), geometry.y(), geometry.width(), geometry.height())
    path = OUT / f"{name}.png"
    pixmap.save(str(path))
    print(f"saved {path.relative_to(REPO)}")
    return path


def seed_history(engine: Engine) -> None:
    """Two earlier sessions for the browser: one finished, one cut short by a crash."""
    small = {"resolution": "360p", "duration": 2, "fps": 12}
    done = engine.create_session(
        SAMPLE, build_request("local", "a gentle pull out from the cliffs", 2, small)
    )
    engine.run_session(done.id)
    crashed = engine.create_session(
        SAMPLE, build_request("local", "slow pan right along the shoreline", 4, small)
    )
    crashed.status = SessionStatus.RUNNING  # as a crashed app leaves it on disk
    SessionStore(engine.sessions_dir).save(crashed)


def set_form(window: MainWindow, model: str, chains: int, params: dict) -> None:
    page = window.studio_page
    page.model.set_model(model)
    for key, value in params.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(chains)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    app = make_app()
    engine = Engine.from_environment()
    apply_theme(app, "dark")
    window = MainWindow(engine)
    window.setGeometry(0, 0, WIDTH, HEIGHT)
    window.show()
    spin(800)
    shoot(window, "01-empty")

    page = window.studio_page
    window.load_image(SAMPLE)
    wait_until(lambda: page.analysis.fields["theme"].text() != "", "the analysis")
    page.analysis.action.setPlainText(ACTION)
    set_form(window, "wan", 3, {"resolution": "720p"})
    page.model.form.advanced_toggle.setChecked(True)
    shoot(window, "02-analyzed-wan")
    page.model.form.advanced_toggle.setChecked(False)

    set_form(window, "local", 3, {"resolution": "720p", "duration": 4, "fps": 24})
    page.generate()
    wait_until(lambda: window.queue.jobs and page.preview.strip.ready_count() >= 1, "chain 1")
    set_form(window, "local", 2, {"resolution": "480p", "duration": 3, "fps": 24})
    page.analysis.action.setPlainText("slow push in toward the lighthouse")
    page.generate()
    page.jobs.select_job(window.queue.jobs[0])
    wait_until(lambda: "Rendering" in window.queue.jobs[0].operation, "rendering chain 2")
    spin(1500)
    shoot(window, "03-generating")

    first = window.queue.jobs[0]
    wait_until(lambda: all(j.status.finished for j in window.queue.jobs), "both jobs")
    page.jobs.select_job(first)
    player = page.preview.player
    wait_until(lambda: player.source == first.final_video, "the final video")
    frames: list[int] = []
    player.video_widget.videoSink().videoFrameChanged.connect(lambda f: frames.append(1))
    player.media.play()
    wait_until(lambda: len(frames) > 30, "video frames")
    player.media.pause()
    shoot(window, "04-finished")

    seed_history(engine)
    window.show_sessions()
    wait_until(lambda: window.browser.table.topLevelItemCount() == 4, "the session list")
    shoot(window, "05-sessions")

    window.show_studio()
    dialog = window.open_settings()
    wait_until(lambda: dialog.keys["fal"].info is not None, "key info")
    spin(400)
    path = OUT / "06-settings.png"
    dialog.grab().save(str(path))  # no window manager under Xvfb: the dialog alone reads better
    print(f"saved {path.relative_to(REPO)}")
    dialog.reject()

    apply_theme(app, "light")
    window.studio_page.model.set_model("pixverse")
    set_form(window, "pixverse", 3, {"resolution": "1080p", "duration": "8"})
    page.jobs.select_job(first)
    spin(600)
    player.media.pause()
    shoot(window, "07-light-invalid-combination")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
