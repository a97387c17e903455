"""Drive the desktop app through its main states and save screenshots in docs/screenshots/.

Run under a real display large enough for the biggest size (the video surface needs one):
    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python tools/screenshots.py

It uses a throw-away SCENEMAKER_HOME, and the loopback fal of the test suite
(tests/fakes) stands in for fal.ai, so nothing of the user's is touched, no
network is used and nothing is paid. Every state is shot at a laptop size, a
small desktop and full HD, in the dark and the light theme.
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
SIZES = ((1024, 640), (1280, 720), (1920, 1080))
THEMES = ("dark", "light")
FAL_KEY = "demo-key-for-screenshots"

os.environ["SCENEMAKER_HOME"] = tempfile.mkdtemp(prefix="scenemaker-shots-")
os.environ["FAL_KEY"] = FAL_KEY
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from scenemaker_desktop.engine.backends.fal_config import FAL_URL_ENV  # noqa: E402
from scenemaker_desktop.engine.catalog import build_request  # noqa: E402
from scenemaker_desktop.engine.facade import Engine  # noqa: E402
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices  # noqa: E402
from scenemaker_desktop.engine.sessions.model import SessionStatus  # noqa: E402
from scenemaker_desktop.engine.sessions.store import SessionStore  # noqa: E402
from scenemaker_desktop.engine.vision.service import Vision  # noqa: E402
from scenemaker_desktop.gui.app import make_app  # noqa: E402
from scenemaker_desktop.gui.main_window import MainWindow  # noqa: E402
from scenemaker_desktop.gui.theme import apply_theme  # noqa: E402
from tests.fakes.drifting_generator import DriftingGenerator  # noqa: E402
from tests.fakes.fal_jobs import JobPlan  # noqa: E402
from tests.fakes.fal_server import FakeFal  # noqa: E402

ACTION = "the lighthouse beam sweeps slowly across the bay as the sun sinks"
SMALL = {"resolution": "360p", "duration": 2, "fps": 12}


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


def save(pixmap, name: str) -> None:
    path = OUT / f"{name}.png"
    pixmap.save(str(path))
    print(f"saved {path.relative_to(REPO)}")


def shoot(window: MainWindow, name: str) -> None:
    """Grab the screen where the window is (the video surface included)."""
    spin(500)
    geometry = window.frameGeometry()
    screen = QGuiApplication.primaryScreen()
    save(screen.grabWindow(0, *geometry.getRect()), name)


def seed_history(engine: Engine) -> None:
    """Earlier sessions: one finished here, one on WAN, one cut short by a crash."""
    done = engine.create_session(SAMPLE, build_request("local", ACTION, 3, SMALL))
    engine.run_session(done.id)
    wan = engine.create_session(
        SAMPLE, build_request("wan", "a gentle pull out from the cliffs", 2, {"resolution": "480p"})
    )
    engine.run_session(wan.id)
    crashed = engine.create_session(
        SAMPLE, build_request("local", "slow pan right along the shoreline", 4, SMALL)
    )
    crashed.status = SessionStatus.RUNNING  # as a crashed app leaves it on disk
    SessionStore(engine.sessions_dir).save(crashed)


def drifted_session(engine: Engine) -> str:
    """Four chains from the test suite's drifting generator with preservation off: the
    colour drifts chain after chain, so the later chains are flagged."""
    request = build_request(
        "local", "the camera sways by the sea", 4, {**SMALL, "quality_preservation": False}
    )
    session = engine.create_session(SAMPLE, request)
    services = RunnerServices(DriftingGenerator(), Vision())
    store = SessionStore(engine.sessions_dir)
    return ChainRunner(store, lambda r: services).run(session.id).id


def set_form(window: MainWindow, model: str, chains: int, params: dict) -> None:
    page = window.studio_page
    page.model.set_model(model)
    for key, value in params.items():
        page.model.form.controls[key].set_value(value)
    page.model.session_controls["chains"].set_value(chains)


def start_jobs(window: MainWindow, fal: FakeFal) -> None:
    """A local job rendering and a WAN job waiting in fal's queue, for the queue's rows."""
    page = window.studio_page
    window.load_image(SAMPLE)
    wait_until(lambda: page.analysis.fields["theme"].text() != "", "the analysis")
    fal.plan = JobPlan(queued_polls=10_000)  # stays "next in line" while the shots are taken
    set_form(window, "wan", 3, {"resolution": "480p"})
    page.analysis.action.setPlainText("waves roll in as the beam crosses the water")
    page.generate()
    set_form(window, "local", 3, {"resolution": "720p", "duration": 10, "fps": 30})
    page.analysis.action.setPlainText("slow push in toward the lighthouse")
    page.generate()
    wait_until(lambda: len(window.queue.jobs) == 2, "two jobs")
    wait_until(lambda: all(j.status is SessionStatus.RUNNING for j in window.queue.jobs), "runs")
    wait_until(lambda: window.queue.jobs[0].chain_queued, "the WAN job in fal's queue")


def shoot_sizes(app: QApplication, window: MainWindow, finished_id: str) -> None:
    player = window.studio_page.preview.player
    for theme in THEMES:
        apply_theme(app, theme)
        for width, height in SIZES:
            window.show_studio()
            window.resize(width, height)
            window.open_session(finished_id)
            wait_until(lambda: player.source is not None, "the final video")
            spin(1200)
            player.media.pause()
            shoot(window, f"studio-{width}x{height}-{theme}")
            window.show_sessions()
            wait_until(lambda: window.browser.table.topLevelItemCount() == 6, "the sessions")
            shoot(window, f"sessions-{width}x{height}-{theme}")


def shoot_details_and_confirm(app: QApplication, window: MainWindow, wan_id: str) -> None:
    apply_theme(app, "dark")
    window.resize(1280, 720)
    window.open_session(wan_id)
    preview = window.studio_page.preview
    wait_until(lambda: "Chains:" in preview.params.text(), "the WAN session")
    preview.details_button.setChecked(True)
    shoot(window, "details-1280x720-dark")
    preview.details_button.setChecked(False)

    def grab_and_keep_running() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, grab_and_keep_running)
            return
        spin(200)
        save(box.grab(), "confirm-cancel-dark")
        next(b for b in box.buttons() if b.text() == "Keep running").click()

    paid = window.queue.jobs[0]
    QTimer.singleShot(0, grab_and_keep_running)
    window.controller.cancel(paid)


def shoot_continuity(app: QApplication, window: MainWindow, drifted_id: str) -> None:
    """A session with flagged chains: ⚑ on their tiles, the first named with Regenerate."""
    apply_theme(app, "dark")
    window.resize(1280, 720)
    window.open_session(drifted_id)
    preview = window.studio_page.preview
    wait_until(lambda: preview.flags.isVisible(), "the flag bar")
    spin(800)
    preview.player.media.pause()
    shoot(window, "continuity-1280x720-dark")


LOCKED_BEAT = "A gull lands on the lighthouse railing and folds its wings as the beam passes."


def shoot_storyboard(app: QApplication, window: MainWindow) -> None:
    """Cards with one locked beat, at a laptop size and a small desktop; then a finished
    local run's thumbnails and prompts on the same cards."""
    page = window.studio_page
    window.show_studio()
    if page.image is None:
        window.load_image(SAMPLE)
        wait_until(lambda: page.analysis.fields["theme"].text() != "", "the analysis")
    set_form(window, "local", 3, SMALL)
    page.analysis.action.setPlainText(ACTION)
    page.planning.replan()
    wait_until(lambda: not page.planning.busy and len(page.storyboard.cards) == 3, "the plan")
    card = page.storyboard.cards[1]
    card.text.setPlainText(LOCKED_BEAT)
    card.lock.setChecked(True)
    page.switch.show_storyboard()
    sizes = (("dark", (1280, 720)), ("light", (1024, 640)), ("dark", (1920, 1080)))
    for theme, (width, height) in sizes:
        apply_theme(app, theme)
        window.resize(width, height)
        shoot(window, f"storyboard-{width}x{height}-{theme}")
    apply_theme(app, "dark")
    window.resize(1280, 720)
    jobs_before = len(window.queue.jobs)
    page.generate()
    wait_until(lambda: len(window.queue.jobs) > jobs_before, "the storyboard's job")
    job = window.queue.jobs[-1]
    wait_until(lambda: job.finished, "the storyboard's run")
    wait_until(lambda: all(c.sent_prompt() for c in page.storyboard.cards), "the prompts sent")
    page.switch.show_storyboard()
    page.preview.player.media.pause()
    shoot(window, "storyboard-run-1280x720-dark")


def shoot_settings(window: MainWindow) -> None:
    dialog = window.open_settings()
    wait_until(lambda: dialog.keys["fal"].info is not None, "key info")
    spin(400)
    save(dialog.grab(), "settings-dark")  # no window manager under Xvfb: the dialog alone
    dialog.reject()


def main() -> int:
    """``screenshots.py storyboard`` takes the storyboard's shots alone."""
    only_storyboard = sys.argv[1:] == ["storyboard"]
    OUT.mkdir(parents=True, exist_ok=True)
    with FakeFal(key=FAL_KEY) as fal:
        os.environ[FAL_URL_ENV] = fal.base_url
        app = make_app()
        engine = Engine.from_environment()
        seed_history(engine)
        drifted = drifted_session(engine)
        listed = {s.session.request.model: s.id for s in engine.list_sessions() if s.session}
        apply_theme(app, "dark")
        window = MainWindow(engine)
        window.setGeometry(0, 0, *SIZES[1])
        window.show()
        wait_until(lambda: window.banner.isVisible(), "the recovery banner")
        if only_storyboard:
            shoot_storyboard(app, window)
            window.close()
            return 0
        start_jobs(window, fal)
        shoot_sizes(app, window, listed["local"])
        shoot_details_and_confirm(app, window, listed["wan"])
        shoot_continuity(app, window, drifted)
        shoot_settings(window)
        shoot_storyboard(app, window)
        window.settings.confirm_spending = False
        window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
