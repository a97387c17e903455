from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import keyring
from keyring.backends import fail

from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.engine.secrets import KeySource, Secrets
from scenemaker_desktop.engine.settings import Settings


def test_scenemaker_home_holds_settings_and_sessions(home: Path):
    paths = AppPaths.from_environment()
    assert paths.settings_file == home / "settings.json"
    assert paths.sessions_dir(Settings(sessions_dir="/elsewhere")) == home / "sessions"


def test_settings_round_trip_and_ignore_unknown_keys(tmp_path: Path, caplog):
    path = tmp_path / "settings.json"
    Settings(parallel_jobs=3, theme="dark").save(path)
    data = json.loads(path.read_text())
    data["from_the_future"] = 1
    data["parallel_jobs"] = "lots"
    path.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        loaded = Settings.load(path)
    assert loaded.theme == "dark" and loaded.parallel_jobs == 2
    assert "from_the_future" in caplog.text


def test_broken_settings_file_falls_back_to_defaults(tmp_path: Path):
    path = tmp_path / "settings.json"
    path.write_text("[1, 2")
    assert Settings.load(path) == Settings()


def test_environment_key_wins_and_says_where(tmp_path, monkeypatch, memory_keyring):
    secrets = Secrets(tmp_path / "keys.json")
    secrets.store("fal", "from-keyring")
    monkeypatch.setenv("FAL_KEY", "from-env")
    assert secrets.get("fal") == "from-env"
    assert secrets.info("fal").source is KeySource.ENVIRONMENT
    assert "FAL_KEY" in secrets.info("fal").where
    monkeypatch.delenv("FAL_KEY")
    assert secrets.get("fal") == "from-keyring"
    assert secrets.info("fal").source is KeySource.KEYRING


def test_without_a_keyring_the_key_goes_to_a_private_file(tmp_path):
    keyring.set_keyring(fail.Keyring())
    secrets = Secrets(tmp_path / "keys.json")
    info = secrets.store("openai", "sk-test-123")
    assert info.source is KeySource.FILE
    assert secrets.get("openai") == "sk-test-123"
    mode = stat.S_IMODE((tmp_path / "keys.json").stat().st_mode)
    assert mode == 0o600
    secrets.delete("openai")
    assert secrets.get("openai") is None
    assert not secrets.info("openai").configured


def test_the_old_apps_fal_variable_is_read_too(tmp_path, monkeypatch):
    secrets = Secrets(tmp_path / "keys.json")
    monkeypatch.setenv("FAL_API_KEY", "from-the-old-name")
    assert secrets.get("fal") == "from-the-old-name"
    assert secrets.info("fal").where == "environment variable FAL_API_KEY"
    monkeypatch.setenv("FAL_KEY", "from-the-new-name")
    assert secrets.get("fal") == "from-the-new-name"


def test_output_dir_sets_the_sessions_folder_alone(home: Path, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTPUT_DIR", str(tmp_path / "outputs"))
    paths = AppPaths.from_environment()
    assert paths.sessions_dir(Settings(sessions_dir="/elsewhere")) == tmp_path / "outputs"
    assert paths.pinned_sessions_dir() == ("OUTPUT_DIR", tmp_path / "outputs")
    assert paths.settings_file == home / "settings.json"  # SCENEMAKER_HOME still holds these
    monkeypatch.delenv("OUTPUT_DIR")
    assert AppPaths.from_environment().pinned_sessions_dir() == (
        "SCENEMAKER_HOME",
        home / "sessions",
    )
