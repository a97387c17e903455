"""Smoke mode: the app shows its window, says so, and closes itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from scenemaker_desktop.smoke import (
    QUIT_ENV,
    SCREENSHOT_ENV,
    SHOWN_MARKER,
    arm_smoke_quit,
    smoke_quit_delay_ms,
)


@pytest.mark.parametrize(("raw", "expected"), [("1500", 1500), (" 0 ", 0), ("600000", 600000)])
def test_whole_milliseconds_turn_smoke_mode_on(raw: str, expected: int) -> None:
    assert smoke_quit_delay_ms({QUIT_ENV: raw}) == expected


@pytest.mark.parametrize("raw", ["", "abc", "-5", "1.5", "1e3", "600001"])
def test_anything_else_leaves_the_app_running(raw: str) -> None:
    assert smoke_quit_delay_ms({QUIT_ENV: raw}) is None
    assert smoke_quit_delay_ms({}) is None


def test_armed_window_announces_itself_saves_a_picture_and_closes(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shot = tmp_path / "window.png"
    monkeypatch.setenv(QUIT_ENV, "50")
    monkeypatch.setenv(SCREENSHOT_ENV, str(shot))
    window = QLabel("SceneMaker")
    window.setWindowTitle("SceneMaker")
    window.resize(320, 200)
    qtbot.addWidget(window)
    window.show()

    assert arm_smoke_quit(window) is True
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)

    assert SHOWN_MARKER in capsys.readouterr().err
    assert shot.is_file() and shot.stat().st_size > 0


def test_without_smoke_mode_nothing_is_scheduled(
    qtbot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(QUIT_ENV, raising=False)
    window = QLabel("SceneMaker")
    qtbot.addWidget(window)
    window.show()

    assert arm_smoke_quit(window) is False
    qtbot.wait(100)
    assert window.isVisible()
    assert SHOWN_MARKER not in capsys.readouterr().err
