"""The render worker process the queue drives: its JSON-lines protocol, cancel and close."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    ProgressEvent,
    SessionFinishedEvent,
)
from scenemaker_desktop.engine.run_worker import event_from_json, event_to_json
from scenemaker_desktop.engine.sessions.model import SessionStatus
from tests.conftest import REPO
from tests.gui.helpers import SLOW_LOCAL, TINY_LOCAL, stored_session


def _worker(studio, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop.engine.run_worker",
         "--sessions", str(studio.store.root), *args],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_events_survive_the_trip_through_json(tmp_path: Path):
    events = [
        ProgressEvent("s", 0.5, "Chain 1/2: Rendering frame 3/24", 0, 0.25, 4),
        ChainFinishedEvent("s", 0, tmp_path / "c.mp4", tmp_path / "t.jpg", None, "a prompt"),
        SessionFinishedEvent("s", SessionStatus.COMPLETED, tmp_path / "final.mp4", None, 0.4),
        NoticeEvent("s", "OpenAI answered 503; using the offline analysis instead"),
    ]

    assert [event_from_json(event_to_json(e)) for e in events] == events


def test_run_streams_progress_chains_and_the_end_as_json_lines(studio):
    session = stored_session(studio, chains=2, params=TINY_LOCAL)

    worker = _worker(studio, "run", session.id)
    lines = list(worker.stdout)  # stdin stays open: closing it would mean "the app went away"
    worker.wait(timeout=120)

    assert worker.returncode == 0, worker.stderr.read()
    kinds = [json.loads(line)["type"] for line in lines]
    assert kinds.count("chain") == 2 and "progress" in kinds
    assert kinds[-1] == "finished"
    assert studio.store.load(session.id).status is SessionStatus.COMPLETED


def test_cancel_on_stdin_ends_the_session_cancelled(studio):
    session = stored_session(studio, chains=3, params=SLOW_LOCAL)
    worker = _worker(studio, "run", session.id)

    for line in worker.stdout:
        if "Rendering" in line:
            worker.stdin.write("cancel\n")
            worker.stdin.flush()
            break
    worker.communicate(timeout=120)

    assert worker.returncode == 0
    assert studio.store.load(session.id).status is SessionStatus.CANCELLED


def test_the_app_going_away_leaves_the_session_interrupted(studio):
    session = stored_session(studio, chains=3, params=SLOW_LOCAL)
    worker = _worker(studio, "run", session.id)

    for line in worker.stdout:
        if "Rendering" in line:
            worker.stdin.close()  # what the kernel does when the app dies
            break
    threading.Thread(target=worker.stdout.read, daemon=True).start()
    worker.wait(timeout=120)

    assert worker.returncode == 0
    assert studio.store.load(session.id).status is SessionStatus.INTERRUPTED


def test_create_makes_a_queued_session_and_refuses_a_bad_image(studio, sample_image, tmp_path):
    from scenemaker_desktop.engine.catalog import build_request

    request = json.dumps(build_request("local", "a slow turn", 2, TINY_LOCAL).to_dict())
    good = _worker(studio, "create", str(sample_image), "--request", request)
    out, _ = good.communicate(timeout=120)
    created = json.loads(out.strip().splitlines()[-1])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    bad = _worker(studio, "create", str(notes), "--request", request)
    bad_out, _ = bad.communicate(timeout=120)

    assert created["type"] == "created"
    assert studio.store.load(created["session_id"]).status is SessionStatus.QUEUED
    assert json.loads(bad_out.strip()) == {
        "type": "error",
        "message": "notes.txt is a text file, not an image",
    }
    assert bad.returncode == 1


def test_workers_run_in_our_session_in_a_group_of_their_own_and_at_lower_priority():
    # Own process group: a Ctrl-C in the terminal reaches only the app. Same session: Linux
    # weighs the worker against the window by nice value only within one autogroup.
    from scenemaker_desktop.gui.job_process import CHILD_NICE, own_process_group

    probe = (
        "import os; from scenemaker_desktop.engine.run_worker import _lower_priority; "
        f"_lower_priority({CHILD_NICE}); print(os.nice(0), os.getsid(0), os.getpgid(0))"
    )
    child = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60,
        **own_process_group(),
    )  # fmt: skip
    nice, session, group = map(int, child.stdout.split())

    assert nice == min(os.nice(0) + CHILD_NICE, 19)
    assert session == os.getsid(0)
    assert group != os.getpgid(0)
