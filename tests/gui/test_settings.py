"""The settings dialog: keys in the keyring only, masked fields, tests, jobs and theme."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from tests.gui.helpers import WAIT_MS

FAL_KEY = "fal-key-1f3a9c77-only-for-this-test"


def _files_containing(root: Path, text: str) -> list[Path]:
    needle = text.encode()
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _open(qtbot, window):
    dialog = window.open_settings()
    qtbot.waitUntil(lambda: dialog.keys["fal"].info is not None, timeout=WAIT_MS)
    return dialog


def _save(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.saved, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)


def test_a_typed_key_goes_to_the_keyring_and_nowhere_else(qtbot, window, memory_keyring, home):
    dialog = _open(qtbot, window)
    assert dialog.keys["fal"].where.text() == "Not set"

    qtbot.keyClicks(dialog.keys["fal"].field, FAL_KEY)
    _save(qtbot, dialog)

    assert memory_keyring.entries[("SceneMaker", "fal")] == FAL_KEY
    window.close()
    assert _files_containing(home, FAL_KEY) == []
    assert (home / "settings.json").is_file()


def test_the_masked_field_never_overwrites_a_stored_key(qtbot, window, memory_keyring):
    memory_keyring.set_password("SceneMaker", "fal", FAL_KEY)
    dialog = _open(qtbot, window)
    row = dialog.keys["fal"]

    assert row.field.text() == ""
    assert row.field.placeholderText().startswith("Saved")
    assert row.where.text() == "Stored in the system keyring"
    _save(qtbot, dialog)

    assert memory_keyring.entries[("SceneMaker", "fal")] == FAL_KEY


def test_remove_deletes_the_stored_key(qtbot, window, memory_keyring):
    memory_keyring.set_password("SceneMaker", "openai", "sk-test-remove-me")
    dialog = _open(qtbot, window)

    qtbot.mouseClick(dialog.keys["openai"].remove_button, Qt.MouseButton.LeftButton)
    _save(qtbot, dialog)

    assert ("SceneMaker", "openai") not in memory_keyring.entries


def test_a_key_from_the_environment_is_shown_as_such(qtbot, window, monkeypatch):
    monkeypatch.setenv("FAL_KEY", "from-env")
    dialog = _open(qtbot, window)

    assert dialog.keys["fal"].where.text().startswith("From the environment variable FAL_KEY")


def test_test_connection_without_a_key_says_so_inline(qtbot, window):
    dialog = _open(qtbot, window)
    row = dialog.keys["fal"]

    qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: row.result.text() not in ("", "Testing…"), timeout=WAIT_MS)
    assert row.result.text() == "no fal key set"


def _test_result(qtbot, row) -> str:
    qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: row.result.text() not in ("", "Testing…"), timeout=WAIT_MS)
    return row.result.text()


def test_test_connection_checks_a_typed_fal_key_with_fal(qtbot, window, monkeypatch):
    from tests.engine.fal_support import KEY, fal_fake

    dialog = _open(qtbot, window)
    row = dialog.keys["fal"]
    with fal_fake(monkeypatch):
        qtbot.keyClicks(row.field, KEY)
        accepted = _test_result(qtbot, row)
        row.field.setText("fal-key-that-fal-does-not-know")
        refused = _test_result(qtbot, row)

    assert accepted == "fal key accepted"
    assert "fal" in refused and refused != accepted
    assert "fal-key-that-fal-does-not-know" not in refused
    assert row.result.objectName() == "error"


def test_test_connection_reports_an_unreachable_openai_without_echoing_the_key(
    qtbot, window, monkeypatch
):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    dialog = _open(qtbot, window)
    row = dialog.keys["openai"]
    qtbot.keyClicks(row.field, "sk-typed-but-unsaved")

    result = _test_result(qtbot, row)

    assert "sk-typed-but-unsaved" not in result
    assert result.startswith("OpenAI unreachable")


def test_parallel_jobs_theme_and_model_apply_and_persist(qtbot, window, home, qapp):
    dialog = _open(qtbot, window)
    dialog.parallel.setValue(3)
    dialog.theme.setCurrentIndex(dialog.theme.findData("light"))
    dialog.openai_model.setCurrentText("gpt-4.1")

    _save(qtbot, dialog)

    assert window.queue.parallel == 3
    assert qapp.property("themeVariant") == "light"
    saved = json.loads((home / "settings.json").read_text())
    assert (saved["parallel_jobs"], saved["theme"], saved["openai_model"]) == (
        3,
        "light",
        "gpt-4.1",
    )
