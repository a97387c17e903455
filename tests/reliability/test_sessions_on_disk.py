"""Sessions on disk: a damaged manifest hides nothing else, killed runs leave no debris,
and storage trouble gets one clear line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scenemaker_desktop.cli import main as cli_main
from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.errors import SessionDamagedError, StorageError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions import store as store_module
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import new_session_id
from scenemaker_desktop.engine.sessions.store import SESSION_FILE, SessionStore
from tests.conftest import REPO, SAMPLE_IMAGE
from tests.reliability.support import temp_leftovers
from tests.sessions_support import TINY_LOCAL, stored_session


def _good_manifest(tmp_path: Path) -> dict[str, Any]:
    store = SessionStore(tmp_path / "template")
    session = create_session(store, SAMPLE_IMAGE, build_request("local", "drift", 2, TINY_LOCAL))
    return json.loads((store.folder(session.id) / SESSION_FILE).read_text())


def _with(base: dict, path: str, value: Any) -> dict:
    """``base`` with the field at ``path`` ("chains.0.video") set to ``value``."""
    data = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return data


NESTED = "[" * 100_000 + "]" * 100_000
DAMAGE: dict[str, Any] = {
    "null": None,
    "a list": [],
    "a string": "session",
    "a number": 42,
    "an empty object": {},
    "chains of numbers": ("chains", [1, 2]),
    "chains as text": ("chains", "abc"),
    "a chain out of place": ("chains.0.index", 5),
    "a chain status nobody knows": ("chains.0.status", "exploded"),
    "request as text": ("request", "str"),
    "request without a model": ("request.model", None),
    "request params as a list": ("request.params", [1, 2]),
    "request model as a list": ("request.model", ["wan"]),
    "request action as a list": ("request.action", ["a", "b"]),
    "final_video a number": ("final_video", 123),
    "final_video absolute": ("final_video", "/etc/passwd"),
    "final_video climbing out": ("final_video", "../../x.mp4"),
    "input_image absolute": ("input_image", "/etc/passwd"),
    "thumbnail climbing out the Windows way": ("thumbnail", "..\\..\\win.ini"),
    "a chain's video absolute": ("chains.1.video", "/etc/shadow"),
    "cost_usd as text": ("cost_usd", "abc"),
    "cost_usd not a number": ("cost_usd", float("nan")),
    "a chain's cost true": ("chains.0.cost_usd", True),
    "status nobody knows": ("status", "exploded"),
    "status null": ("status", None),
    "notices as text": ("notices", "text"),
    "analysis with a number": ("analysis", {"theme": 5}),
    "cost_log with a half line": ("cost_log", [{"usd": 1}]),
    "the id of another session": ("id", "20200101-000000-abcdef"),
}
RAW = {
    "cut short": '{"id": "x", "status": ',
    "nested 100,000 deep": NESTED,
    "empty": "",
    "binary": "\x00\xff\xfe garbage",
}


def _write_damaged(root: Path, base: dict, damage: Any) -> str:
    session_id = new_session_id()
    folder = root / session_id
    folder.mkdir(parents=True)
    if isinstance(damage, tuple):
        text = json.dumps(_with({**base, "id": session_id}, *damage))
    elif isinstance(damage, str) and damage in RAW.values():
        text = damage
    else:
        text = json.dumps(damage)
    (folder / SESSION_FILE).write_text(text, encoding="utf-8", errors="surrogateescape")
    return session_id


@pytest.mark.parametrize("damage", [*DAMAGE.values(), *RAW.values()], ids=[*DAMAGE, *RAW])
def test_a_damaged_manifest_is_listed_as_damaged_and_hides_no_other_session(
    damage, engine: Engine, tmp_path: Path, capsys
):
    good = stored_session(engine)
    session_id = _write_damaged(engine.sessions_dir, _good_manifest(tmp_path), damage)

    listed = {listing.id: listing for listing in engine.list_sessions()}
    shown = cli_main(["show", session_id])
    resumed = cli_main(["resume", session_id])
    err = capsys.readouterr().err.strip().splitlines()

    assert listed[good.id].status == "queued"
    assert listed[session_id].status == "damaged" and listed[session_id].damaged_reason
    with pytest.raises(SessionDamagedError):
        engine.load_session(session_id)
    assert (shown, resumed) == (1, 1)
    assert len(err) == 2 and all(line.startswith(f"error: session {session_id}") for line in err)


def test_a_complete_newer_manifest_left_by_a_kill_is_recovered(engine: Engine):
    session = stored_session(engine)
    folder = engine.session_folder(session.id)
    # What kill -9 leaves between the temp manifest's fsync and its rename: the newest
    # state (a paid request's id) is only in the temp file.
    session.chains[0].fal_request_id = "the-paid-request"
    left = folder / ".session.json.k1ll3d.tmp"
    left.write_text(json.dumps(session.to_dict()))
    os.utime(left, ns=(time.time_ns() + 10**9, time.time_ns() + 10**9))

    loaded = engine.load_session(session.id)

    assert loaded.chains[0].fal_request_id == "the-paid-request"
    assert json.loads((folder / SESSION_FILE).read_text())["chains"][0]["fal_request_id"] == (
        "the-paid-request"
    )
    assert temp_leftovers(folder) == []


def test_an_older_or_broken_temp_manifest_is_removed_not_used(engine: Engine):
    session = stored_session(engine)
    folder = engine.session_folder(session.id)
    stale = folder / ".session.json.abc123.tmp"
    stale.write_text(json.dumps({"id": session.id, "status": "completed"}))
    os.utime(stale, (1, 1))  # written long before the manifest it would replace
    broken = folder / ".session.json.def456.tmp"
    broken.write_text('{"id": "')

    loaded = engine.load_session(session.id)

    assert loaded.status.value == "queued"
    assert temp_leftovers(folder) == []


def test_temporary_files_of_killed_runs_are_swept_on_resume_and_at_start(engine: Engine):
    first, second = stored_session(engine), stored_session(engine)
    for session in (first, second):
        chains = engine.session_folder(session.id) / "chains"
        chains.mkdir(exist_ok=True)
        (chains / ".chain_02.1a2b3c4d.part.mp4").write_bytes(b"\0" * 4096)
        (chains / ".chain_01_seed.x1y2.part.png").write_bytes(b"\0")
        (chains.parent / ".final.9z8y7x.part.mp4").write_bytes(b"\0")
        (chains.parent / ".final.q1w2.concat.txt").write_text("file 'x'")

    engine.run_session(first.id)
    assert temp_leftovers(engine.session_folder(first.id)) == []

    swept = engine.tidy()
    assert temp_leftovers(engine.session_folder(second.id)) == []
    assert len(swept) == 4


def test_a_running_sessions_files_are_left_alone(engine: Engine):
    session = stored_session(engine)
    folder = engine.session_folder(session.id)
    part = folder / ".final.inprogress.part.mp4"
    store = SessionStore(engine.sessions_dir)
    with store.lock(session.id):  # another process is writing it
        part.write_bytes(b"\0")
        assert engine.tidy() == []
        engine.load_session(session.id)
        assert part.exists()


def test_an_abandoned_start_is_removed_at_start_and_a_fresh_one_kept(engine: Engine):
    old, fresh = (
        engine.sessions_dir / new_session_id(),
        engine.sessions_dir / "20990101-000000-abcdef",
    )
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / ".input.abcd.png.tmp").write_bytes(b"\0")
    os.utime(old, (time.time() - 3600, time.time() - 3600))

    engine.tidy()

    assert not old.exists() and fresh.exists()


def test_a_start_that_cannot_write_its_manifest_leaves_no_folder(engine: Engine, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module, "write_json_atomic", full)
    with pytest.raises(StorageError, match="No space left on device"):
        engine.create_session(SAMPLE_IMAGE, build_request("local", "drift", 1, TINY_LOCAL))
    assert [p for p in engine.sessions_dir.iterdir() if p.is_dir()] == []


def test_a_nearly_full_disk_is_said_before_a_session_starts(engine: Engine, monkeypatch):
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(
        store_module.shutil, "disk_usage", lambda path: usage._replace(free=3 * 1024 * 1024)
    )
    with pytest.raises(
        StorageError, match=r"is full \(3 MB free; a session needs at least 50 MB\)"
    ):
        engine.create_session(SAMPLE_IMAGE, build_request("local", "drift", 1, TINY_LOCAL))


def test_a_sessions_folder_that_is_a_file_is_said(home: Path, capsys):
    home.mkdir(parents=True, exist_ok=True)
    (home / "sessions").write_text("not a folder")

    assert cli_main(["sessions"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"error: the sessions folder {home / 'sessions'} is a file, not a folder"
    )


def _unshared(script: str, home: Path) -> subprocess.CompletedProcess:
    """``script`` (sh) in a mount namespace of its own: mounts there touch nothing else."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private mount")
    env = {**os.environ, "SCENEMAKER_HOME": str(home), "PYTHON": sys.executable}
    return subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip


def test_resume_on_a_read_only_sessions_folder_says_so_in_one_line(engine: Engine, home: Path):
    session = stored_session(engine)
    done = _unshared(
        'mount --bind "$SCENEMAKER_HOME" "$SCENEMAKER_HOME" && '
        'mount -o remount,bind,ro "$SCENEMAKER_HOME" && '
        f'exec "$PYTHON" -m scenemaker_desktop resume {session.id}',
        home,
    )
    if "mount:" in done.stderr:
        pytest.skip(f"this machine does not allow a private mount: {done.stderr.strip()}")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"error: cannot lock session {session.id}: Read-only file system "
        "(is the sessions folder read-only?)"
    )


def test_a_full_disk_gets_one_line_and_leaves_no_folder(home: Path):
    sessions = home / "sessions"
    sessions.mkdir(parents=True)
    done = _unshared(
        f'mount -t tmpfs -o size=2m tmpfs "{sessions}" || exit 99; '
        f'"$PYTHON" -m scenemaker_desktop generate "{SAMPLE_IMAGE}" --action drift '
        "--model local --chains 1 --json; rc=$?; "
        f'echo "left: $(ls -A "{sessions}")" >&2; exit $rc',
        home,
    )
    if done.returncode == 99:
        pytest.skip(f"this machine does not allow a private mount: {done.stderr.strip()}")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1
    assert lines[0].startswith(f"error: the disk holding {sessions} is full")
    assert lines[1:] == ["left:"]  # no session folder, no probe file
    assert json.loads(done.stdout.splitlines()[-1])["status"] == "error"
