"""The fault matrix: a 2-chain WAN session against the fake fal misbehaving in every way we
know of. Each run ends `completed`, or `failed` with one clear line and a resume that
finishes; none hangs; what fal was asked to make is counted chain by chain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from scenemaker_desktop.engine.backends.fal_transport import FalLimits
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from tests.engine.fal_support import wait_for
from tests.fakes.fal_jobs import JobError, JobPlan
from tests.fakes.fal_server import FakeFal, ingress_fault
from tests.fakes.loopback import Fault
from tests.reliability.support import (
    LIMITS,
    cloud_session,
    one_line,
    requests_by_chain,
    run,
    temp_leftovers,
    unknown_jobs,
)

NOW = (("Retry-After", "0"),)
NSFW = [{"loc": ["body"], "msg": "NSFW content detected", "type": "content_policy_violation"}]


@dataclass(frozen=True)
class Case:
    name: str
    break_fal: Callable[[FakeFal], None]
    first: str
    """How the first run ends: "completed", or the words its one-line error holds."""
    submissions: tuple[int, int] = (1, 1)
    """Requests each chain had when the session is done (2: paid again after a failure)."""
    lost: int = 0
    """Submissions whose answer was lost (fal has a job the session cannot see)."""
    limits: FalLimits = LIMITS


def script(route: str, fault: Fault, times: int = 1) -> Callable[[FakeFal], None]:
    return lambda fake: fake.script(route, fault, times=times)


def plan(**fields) -> Callable[[FakeFal], None]:
    def apply(fake: FakeFal) -> None:
        fake.plan = JobPlan(**fields)

    return apply


def slow_cdn(fake: FakeFal) -> None:
    fake.slow_downloads(chunk_size=8192, chunk_delay=0.01)


CASES = [
    Case("429 burst on status", script("status", Fault(429, headers=NOW), 3), "completed"),
    Case("503 from the ingress on submit", script("submit", ingress_fault(503), 2), "completed"),
    Case("500 on status", script("status", Fault(500), 2), "completed"),
    Case("502 on result", script("result", ingress_fault(502), 2), "completed"),
    Case("connection reset on status", script("status", Fault(reset=True), 2), "completed"),
    Case("connection reset on upload", script("upload", Fault(reset=True), 2), "completed"),
    Case("truncated status answer", script("status", Fault(truncate=True)), "completed"),
    Case(
        "transient 404 on result", script("result", Fault(404, body={"detail": "x"})), "completed"
    ),
    Case("transient 404 on the clip", script("download", Fault(404, text="gone")), "completed"),
    Case("a slow CDN", slow_cdn, "completed"),
    Case(
        "the job fails",
        plan(error=JobError(500, "CUDA out of memory", "runner_server_error")),
        "fal could not make the clip: CUDA out of memory",
        submissions=(2, 1),
    ),
    Case(
        "the job is refused as NSFW",
        plan(error=JobError(422, NSFW, None)),
        "NSFW content detected",
        submissions=(2, 1),
    ),
    Case(
        "the clip is not a video",
        script("download", Fault(200, text="<html>not a video</html>"), 1),
        "not a playable video",
        submissions=(2, 1),
    ),
    Case(
        "the job is stuck past the wait limit",
        plan(hold=True),
        "has not finished request",
        limits=replace(LIMITS, max_wait_seconds=0.3),
    ),
    Case(
        "the submit's answer is lost (reset after fal took it)",
        script("submit", Fault(lose_response=True)),
        "fal may have charged for a job we cannot see",
        submissions=(1, 1),
        lost=1,
    ),
    Case(
        "the submit's answer is cut short",
        script("submit", Fault(truncate=True)),
        "fal may have charged for a job we cannot see",
        lost=1,
    ),
    Case(
        "the submit's answer comes too late",
        script("submit", Fault(delay=0.8)),
        "fal may have charged for a job we cannot see",
        lost=1,
        limits=replace(LIMITS, request_timeout=0.3),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_fault_ends_completed_or_in_one_line_that_resume_finishes(
    case: Case, fake: FakeFal, tmp_path: Path
):
    store = SessionStore(tmp_path / "sessions")
    session = cloud_session(store, tmp_path)
    case.break_fal(fake)

    first = run(store, session.id, case.limits)

    if case.first == "completed":
        assert first.status is SessionStatus.COMPLETED, first.error
        done = first
    else:
        assert first.status is SessionStatus.FAILED
        assert one_line(first.error) and case.first in first.error, first.error
        fake.plan = JobPlan()
        fake.release()
        done = run(store, session.id)  # resume, with fal behaving again
    assert done.status is SessionStatus.COMPLETED, done.error
    assert tuple(len(ids) for ids in requests_by_chain(done)) == case.submissions
    # A late answer's job is made when the fake wakes up, after the client gave up on it.
    wait_for(lambda: len(unknown_jobs(fake, done)) == case.lost, "fal's count of jobs")
    assert temp_leftovers(store.folder(session.id)) == []
    if case.lost:
        (lost,) = [charge for charge in done.cost_log if not charge.confirmed]
        assert lost.request_id is None and lost.chain_index == 0
        assert any("may have charged" in notice for notice in done.notices)


def test_a_lost_submit_answer_is_never_sent_again_by_itself(fake: FakeFal, tmp_path: Path):
    store = SessionStore(tmp_path / "sessions")
    session = cloud_session(store, tmp_path, chains=1)
    fake.script("submit", Fault(lose_response=True))

    failed = run(store, session.id)

    assert fake.count("submit") == 1 and len(fake.jobs.all()) == 1
    assert failed.status is SessionStatus.FAILED
    assert failed.error.endswith("; resume to submit it again")
    assert failed.cost_usd == 0.0  # unconfirmed: shown in the log, not counted
    assert [c.confirmed for c in failed.cost_log] == [False]
    assert failed.cost_log[0].usd == pytest.approx(0.40)
