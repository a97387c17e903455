"""The render worker the app and the server drive: its protocol, cancel and close."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    NoticeEvent,
    Phase,
    ProgressEvent,
    SessionFinishedEvent,
    Step,
)
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.worker_process import (
    CHILD_NICE,
    WorkerProcessError,
    own_process_group,
)
from scenemaker_desktop.engine.worker_protocol import (
    ProtocolError,
    SessionCreated,
    WorkerFailed,
    decode,
    encode,
)
from tests.conftest import REPO
from tests.sessions_support import SLOW_LOCAL, TINY_LOCAL, stored_session


def _worker(engine, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "scenemaker_desktop.engine.run_worker",
         "--sessions", str(engine.sessions_dir), *args],
        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_every_message_survives_the_trip_through_one_line(tmp_path: Path):
    messages = [
        ProgressEvent("s", 0.5, "Chain 1/2: Rendering frame 3/24", Step(Phase.GENERATING, 0, 0.25)),
        ProgressEvent("s", 0.1, "Chain 1/2: queued", Step(Phase.QUEUED, 0), queue_position=4),
        ChainFinishedEvent("s", 0, tmp_path / "c.mp4", tmp_path / "t.jpg", None, "a prompt"),
        SessionFinishedEvent("s", SessionStatus.COMPLETED, tmp_path / "final.mp4", None, 0.4),
        NoticeEvent("s", "OpenAI answered 503; using the offline analysis instead"),
        SessionCreated("20261126-081500-a1b2c3"),
        WorkerFailed("notes.txt is a text file, not an image"),
    ]

    lines = [encode(m) for m in messages]

    assert all("\n" not in line for line in lines)
    assert [decode(line) for line in lines] == messages


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"type": "rumour", "message": "x"}',
        '{"message": "no type"}',
        '{"type": "progress", "session_id": "s", "overall": "half", "operation": "x",'
        ' "step": {"phase": "generating"}}',
        '{"type": "progress", "session_id": "s", "overall": 0.5, "operation": "x",'
        ' "step": {"phase": "dancing"}}',
        '{"type": "finished", "session_id": "s", "status": "completed", "final_video": 3,'
        ' "error": null, "cost_usd": 0}',
    ],
)
def test_a_line_that_is_not_a_message_is_refused_by_name(line):
    with pytest.raises(ProtocolError, match="unreadable"):
        decode(line)


def test_run_says_progress_chains_and_the_end(engine):
    session = stored_session(engine, chains=2, params=TINY_LOCAL)

    worker = _worker(engine, "run", session.id)
    lines = list(worker.stdout)  # stdin stays open: closing it would mean "the front went away"
    worker.wait(timeout=120)

    assert worker.returncode == 0, worker.stderr.read()
    messages = [decode(line) for line in lines]
    assert sum(isinstance(m, ChainFinishedEvent) for m in messages) == 2
    steps = [m.step for m in messages if isinstance(m, ProgressEvent)]
    assert {s.phase for s in steps} >= {Phase.ANALYZING, Phase.GENERATING, Phase.ASSEMBLING}
    assert isinstance(messages[-1], SessionFinishedEvent)
    assert messages[-1].status is SessionStatus.COMPLETED
    assert engine.load_session(session.id).status is SessionStatus.COMPLETED


def _stop_when_rendering(engine, session_id: str, how) -> subprocess.Popen:
    worker = _worker(engine, "run", session_id)
    for line in worker.stdout:
        if "Rendering" in line:
            how(worker)
            break
    threading.Thread(target=worker.stdout.read, daemon=True).start()
    worker.wait(timeout=120)
    return worker


def _say(command: str):
    def send(worker: subprocess.Popen) -> None:
        worker.stdin.write(command + "\n")
        worker.stdin.flush()

    return send


def test_cancel_on_stdin_ends_the_session_cancelled(engine):
    session = stored_session(engine, chains=3, params=SLOW_LOCAL)
    worker = _stop_when_rendering(engine, session.id, _say("cancel"))
    assert worker.returncode == 0
    assert engine.load_session(session.id).status is SessionStatus.CANCELLED


def test_close_on_stdin_ends_the_session_interrupted(engine):
    session = stored_session(engine, chains=3, params=SLOW_LOCAL)
    worker = _stop_when_rendering(engine, session.id, _say("close"))
    assert worker.returncode == 0
    assert engine.load_session(session.id).status is SessionStatus.INTERRUPTED


def test_the_front_going_away_leaves_the_session_interrupted(engine):
    session = stored_session(engine, chains=3, params=SLOW_LOCAL)
    # What the kernel does when the front dies: the worker's stdin ends.
    worker = _stop_when_rendering(engine, session.id, lambda w: w.stdin.close())
    assert worker.returncode == 0
    assert engine.load_session(session.id).status is SessionStatus.INTERRUPTED


def test_create_makes_a_queued_session_and_refuses_a_bad_image(engine, sample_image, tmp_path):
    request = build_request("local", "a slow turn", 2, TINY_LOCAL)
    session_id = engine.create_in_worker(sample_image, request)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")

    with pytest.raises(WorkerProcessError, match=r"^notes.txt is a text file, not an image$"):
        engine.create_in_worker(notes, request)
    assert engine.load_session(session_id).status is SessionStatus.QUEUED
    assert [listing.id for listing in engine.list_sessions()] == [session_id]


def test_run_in_worker_reports_events_and_returns_how_the_run_ended(engine):
    session = stored_session(engine, chains=2, params=TINY_LOCAL)
    events: list = []

    finished = engine.run_in_worker(session.id, events.append, CancelToken())

    assert finished.status is SessionStatus.COMPLETED and finished.final_video.is_file()
    assert finished == events[-1]
    assert [e.chain_index for e in events if isinstance(e, ChainFinishedEvent)] == [0, 1]


def test_an_interrupted_token_closes_the_worker_and_a_cancelled_one_cancels_it(engine):
    ended = {}
    for how in ("interrupt", "cancel"):
        session = stored_session(engine, chains=3, params=SLOW_LOCAL)
        token = CancelToken()

        def stop_once_rendering(event, token=token, how=how):
            if isinstance(event, ProgressEvent) and event.step.phase is Phase.GENERATING:
                getattr(token, how)()

        ended[how] = engine.run_in_worker(session.id, stop_once_rendering, token).status

    assert ended == {"interrupt": SessionStatus.INTERRUPTED, "cancel": SessionStatus.CANCELLED}


def test_workers_run_in_our_session_in_a_group_of_their_own_and_at_lower_priority():
    # Own process group: a Ctrl-C in the terminal reaches only the front. Same session: Linux
    # weighs the worker against the window by nice value only within one autogroup.
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
