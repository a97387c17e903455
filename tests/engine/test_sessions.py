from __future__ import annotations

import json
from pathlib import Path

import pytest

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.errors import (
    InputImageError,
    SessionBusyError,
    SessionNotFoundError,
    StorageError,
)
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SESSION_FILE, SessionStore


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def _new(store: SessionStore, image: Path, chains: int = 2):
    return create_session(store, image, build_request("local", "slow push in", chains))


def test_new_session_folder_holds_json_input_and_thumbnail(store, sample_image):
    session = _new(store, sample_image)
    folder = store.folder(session.id)
    data = json.loads((folder / SESSION_FILE).read_text())
    for key in (
        "id",
        "created_at",
        "updated_at",
        "status",
        "request",
        "chains",
        "final_video",
        "cost_usd",
        "error",
    ):
        assert key in data
    assert data["status"] == "queued"
    assert [c["index"] for c in data["chains"]] == [0, 1]
    assert {
        "index",
        "status",
        "prompt",
        "fal_request_id",
        "video",
        "seed_frame",
        "started_at",
        "finished_at",
        "error",
    } <= set(data["chains"][0])
    assert (folder / "input.png").is_file() and (folder / "thumb.jpg").is_file()
    assert data["request"]["model"] == "local"
    assert "key" not in json.dumps(data["request"]).lower()


def test_saving_is_atomic_and_leaves_no_temp_files(store, sample_image):
    session = _new(store, sample_image)
    for _ in range(5):
        store.save(session)
    names = sorted(p.name for p in store.folder(session.id).iterdir())
    assert not [n for n in names if n.endswith(".tmp")]


def test_refused_image_leaves_no_session_folder(store, tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(InputImageError):
        _new(store, bad)
    assert not store.root.exists() or not any(store.root.iterdir())


def test_damaged_session_is_listed_as_damaged_without_hiding_others(store, sample_image):
    good = _new(store, sample_image)
    bad = _new(store, sample_image)
    (store.folder(bad.id) / SESSION_FILE).write_text("{ truncated")
    listing = {row.id: row for row in store.list()}
    assert listing[bad.id].status == "damaged"
    assert "damaged" in (listing[bad.id].damaged_reason or "")
    assert listing[good.id].status == "queued"


def test_running_session_without_a_live_lock_reads_as_interrupted(store, sample_image):
    session = _new(store, sample_image)
    session.status = SessionStatus.RUNNING
    store.save(session)
    assert store.load(session.id).status is SessionStatus.INTERRUPTED
    with store.lock(session.id):
        assert store.load(session.id).status is SessionStatus.RUNNING


@pytest.mark.parametrize("bad_id", ["../etc", "x", "20261126-081500-A1B2C3", "", "a/b"])
def test_malformed_session_ids_are_refused(store, bad_id):
    with pytest.raises(SessionNotFoundError):
        store.load(bad_id)
    with pytest.raises(SessionNotFoundError):
        store.delete(bad_id)


def test_unknown_session_is_not_found(store):
    with pytest.raises(SessionNotFoundError, match="no session"):
        store.load("20990101-000000-abcdef")


def test_delete_removes_the_folder_but_not_while_running(store, sample_image):
    session = _new(store, sample_image)
    with store.lock(session.id), pytest.raises(SessionBusyError):
        store.delete(session.id)
    store.delete(session.id)
    assert not store.folder(session.id).exists()


def test_second_lock_on_a_session_is_refused(store, sample_image):
    session = _new(store, sample_image)
    with store.lock(session.id), pytest.raises(SessionBusyError):
        store.lock(session.id).acquire()


def test_unwritable_home_is_reported_not_raised_as_oserror(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    store = SessionStore(blocker / "sessions")
    with pytest.raises(StorageError, match="cannot write sessions in"):
        store.ensure_writable()
