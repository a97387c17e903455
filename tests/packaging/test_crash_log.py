"""Uncaught errors land in a crash log under the user log folder, and the user is told."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scenemaker_desktop import __version__
from scenemaker_desktop.crash_log import (
    KEEP_LOGS,
    crash_message,
    install_crash_log,
    write_crash_log,
)

REPO = Path(__file__).resolve().parents[2]
# pytest-qt swaps in its own sys.excepthook during each test; these tests need ours.
pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def restore_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    # install_crash_log replaces both hooks; monkeypatch puts the originals back.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)


def test_uncaught_error_writes_a_log_and_tells_the_user_where(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    code = (
        "import sys; from pathlib import Path; "
        "from scenemaker_desktop.crash_log import install_crash_log; "
        "install_crash_log(Path(sys.argv[1])); "
        "raise RuntimeError('the render queue fell over')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(logs)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    [log] = list(logs.glob("crash-*.log"))
    text = log.read_text(encoding="utf-8")
    assert proc.returncode == 1
    assert "RuntimeError: the render queue fell over" in text
    assert "Traceback (most recent call last)" in text
    assert f"SceneMaker {__version__}" in text
    assert f"Details were written to {log}" in proc.stderr


@pytest.mark.usefixtures("restore_hooks")
def test_worker_thread_crash_is_logged_and_handed_to_the_gui(tmp_path: Path) -> None:
    reported: list[Path] = []
    install_crash_log(tmp_path, on_crash=reported.append)

    def work() -> None:
        raise ValueError("bad frame index")

    worker = threading.Thread(target=work, name="render-worker")
    worker.start()
    worker.join()

    [log] = reported
    text = log.read_text(encoding="utf-8")
    assert log.parent == tmp_path
    assert "thread: render-worker" in text
    assert "ValueError: bad frame index" in text


@pytest.mark.usefixtures("restore_hooks")
def test_qt_slot_crash_reaches_the_crash_log(qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QTimer

    reported: list[Path] = []
    install_crash_log(tmp_path, on_crash=reported.append)

    def slot() -> None:
        raise KeyError("missing chain")

    QTimer.singleShot(0, slot)
    qtbot.waitUntil(lambda: bool(reported), timeout=5000)
    assert "KeyError: 'missing chain'" in reported[0].read_text(encoding="utf-8")


def test_api_keys_never_reach_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAL_KEY", "fal-secret-1234567890")
    try:
        raise PermissionError("401 for key fal-secret-1234567890")
    except PermissionError as exc:
        log = write_crash_log(tmp_path, type(exc), exc, exc.__traceback__)
    text = log.read_text(encoding="utf-8")
    assert "fal-secret-1234567890" not in text
    assert "401 for key <FAL_KEY>" in text


def test_only_the_newest_logs_are_kept(tmp_path: Path) -> None:
    for index in range(KEEP_LOGS + 5):
        (tmp_path / f"crash-20200101-0000{index:02d}-000000-1.log").write_text("old")
    try:
        raise OSError("disk hiccup")
    except OSError as exc:
        newest = write_crash_log(tmp_path, type(exc), exc, exc.__traceback__)
    remaining = sorted(tmp_path.glob("crash-*.log"))
    assert len(remaining) == KEEP_LOGS
    assert newest in remaining


@pytest.mark.usefixtures("restore_hooks")
def test_ctrl_c_is_not_a_crash(tmp_path: Path) -> None:
    passed_on: list[type[BaseException]] = []
    sys.excepthook = lambda exc_type, exc, tb: passed_on.append(exc_type)
    install_crash_log(tmp_path)
    sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert not list(tmp_path.glob("crash-*.log"))
    assert passed_on == [KeyboardInterrupt]


def test_message_when_the_log_could_not_be_written() -> None:
    assert crash_message(None) == (
        "SceneMaker hit an unexpected error, and the details could not be saved."
    )


def test_default_log_folder_is_the_user_log_dir(home: Path) -> None:
    from scenemaker_desktop.engine.paths import AppPaths

    logs = install_crash_log(AppPaths.from_environment().logs)
    try:
        assert logs == home / "logs" and logs.is_dir()
    finally:
        sys.excepthook = sys.__excepthook__
        threading.excepthook = threading.__excepthook__
    assert os.access(logs, os.W_OK)


@pytest.mark.usefixtures("restore_hooks")
def test_unwritable_log_folder_still_reports_the_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the log folder should be")
    reported: list[Path] = []
    install_crash_log(blocker / "logs", on_crash=reported.append)  # must not raise

    sys.excepthook(RuntimeError, RuntimeError("boom"), None)

    assert reported == []
    assert "the details could not be saved" in capsys.readouterr().err
