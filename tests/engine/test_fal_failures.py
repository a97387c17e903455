"""What the fal backend does when fal (or the network) misbehaves: retries, clear lines, cancel."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scenemaker_desktop.engine.backends.fal import FalGenerator
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.probe import probe
from tests.engine.fal_support import (
    FAST,
    KEY,
    InThread,
    Progress,
    fal_fake,
    generator,
    make_job,
    messages_of,
    run,
    wait_for,
)
from tests.fakes.fal_jobs import JobError, JobPlan, JobState
from tests.fakes.fal_server import FakeFal, ingress_fault
from tests.fakes.loopback import Fault

KEY_REJECTED = "fal key rejected (401): check it in Settings or FAL_KEY"


def fails(call, *args) -> GenerationError:
    with pytest.raises(GenerationError) as caught:
        call(*args)
    assert KEY not in messages_of(caught.value)
    return caught.value


def test_a_wrong_key_is_named_in_one_line_without_the_key(fake: FakeFal, tmp_path: Path):
    gen = generator("wan", key="wrong-key-0123456789")
    error = fails(gen.submit, make_job(tmp_path, "wan"), CancelToken())

    assert str(error) == KEY_REJECTED
    assert "wrong-key-0123456789" not in messages_of(error)
    assert fake.count("token") == 1 and fake.count("submit") == 0


def test_a_key_revoked_while_polling_keeps_the_request_for_resume(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "wan")
    gen = generator("wan")
    request_id = gen.submit(job, CancelToken())
    fake.key = "rotated-key"
    error = fails(gen.wait, request_id, job, Progress(), CancelToken())

    assert str(error) == KEY_REJECTED and error.retryable
    assert fake.count("status", 401) == 1


def test_a_rejected_field_names_the_field_and_fals_message(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "luma", {"duration": "7s"})
    error = fails(generator("luma").submit, job, CancelToken())

    assert str(error) == "luma: duration — Input should be '5s' or '9s'"
    assert not error.retryable
    assert fake.count("submit", 422) == 1 and fake.count("submit") == 1


def test_several_rejected_fields_are_listed_together(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "pixverse", {"duration": 5, "style": "oil"})
    error = fails(generator("pixverse").submit, job, CancelToken())

    assert str(error) == (
        "pixverse: duration — Input should be '5' or '8'; "
        "style — Input should be 'anime' or '3d_animation' or 'clay' or 'comic' or 'cyberpunk'"
    )


def test_a_key_echoed_back_by_fal_is_masked(fake: FakeFal, tmp_path: Path):
    fake.script("submit", Fault(status=400, body={"detail": f"malformed header: Key {KEY}"}))
    error = fails(generator("wan").submit, make_job(tmp_path, "wan"), CancelToken())

    assert str(error) == "wan: fal refused the submit (HTTP 400): malformed header: Key ***"
    assert not error.retryable


def test_a_429_on_submit_is_retried_then_succeeds(fake: FakeFal, tmp_path: Path):
    fake.script("submit", Fault(status=429, headers=(("Retry-After", "0"),)))
    job = make_job(tmp_path, "kling")
    run(generator("kling"), job)

    assert [r.status for r in fake.requests("submit")] == [429, 200]
    assert len(fake.jobs.all()) == 1 and probe(job.output).frame_count > 0


def test_plain_500s_and_a_reset_on_status_are_retried_then_succeed(fake: FakeFal, tmp_path: Path):
    fake.script("status", Fault(status=500), Fault(reset=True))
    job = make_job(tmp_path, "wan")
    run(generator("wan"), job)

    statuses = [r.status for r in fake.requests("status")]
    assert statuses[:2] == [500, 0] and statuses[-1] == 200
    assert probe(job.output).frame_count > 0


def test_an_unreachable_upload_gives_up_after_the_bounded_tries(fake: FakeFal, tmp_path: Path):
    fake.script("token", ingress_fault(503), times=3)
    error = fails(generator("pixverse").submit, make_job(tmp_path, "pixverse"), CancelToken())

    assert str(error) == (
        "pixverse: fal.ai is not answering the seed image upload (HTTP 503) after 3 tries; "
        "resume the session to try again"
    )
    assert fake.count("token") == 3 and fake.count("submit") == 0


def test_status_retries_run_out_into_a_retryable_error(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "wan")
    gen = generator("wan")
    request_id = gen.submit(job, CancelToken())
    fake.script("status", Fault(status=503), times=3)
    error = fails(gen.wait, request_id, job, Progress(), CancelToken())

    assert str(error) == (
        "wan: fal.ai is not answering the status poll (HTTP 503) after 3 tries; "
        "resume the session to try again"
    )
    assert error.retryable and fake.count("status") == 3
    assert gen.wait(request_id, job, Progress(), CancelToken()).video == job.output


def test_cancel_cuts_a_retry_back_off_short(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "wan")
    gen = FalGenerator(generator("wan").spec, KEY, limits=replace(FAST, backoff_base=60))
    request_id = gen.submit(job, CancelToken())
    fake.script("status", Fault(status=502), times=3)
    cancel = CancelToken()
    waiting = InThread(lambda: gen.wait(request_id, job, Progress(), cancel))
    wait_for(lambda: fake.count("status") == 1, "the first failed poll")
    cancel.cancel()
    waiting.join()

    assert isinstance(waiting.error, Cancelled) and fake.count("status") == 1


def test_a_failed_job_reports_fals_text_and_is_not_retried(fake: FakeFal, tmp_path: Path):
    fake.plan = JobPlan(error=JobError(500, "CUDA out of memory", "runner_server_error"))
    job = make_job(tmp_path, "kling")
    error = fails(run, generator("kling"), job)

    assert str(error) == "kling: fal could not make the clip: CUDA out of memory"
    assert not error.retryable and not job.output.exists()


def test_a_job_rejected_by_the_runner_names_the_field(monkeypatch, tmp_path: Path):
    with fal_fake(monkeypatch, validate_at="result") as fake:
        job = make_job(tmp_path, "luma", {"aspect_ratio": "2:1"})
        error = fails(run, generator("luma"), job)

    assert str(error) == (
        "luma: fal could not make the clip: aspect_ratio — Input should be "
        "'16:9' or '9:16' or '4:3' or '3:4' or '21:9' or '9:21'"
    )
    assert fake.count("submit", 200) == 1


def test_a_request_fal_forgot_is_reported_for_resubmission(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "pixverse")
    gen = generator("pixverse")
    request_id = gen.submit(job, CancelToken())
    fake.expire(request_id)
    error = fails(gen.wait, request_id, job, Progress(), CancelToken())

    assert str(error) == (
        f"pixverse: fal no longer knows request {request_id}; it will be submitted again"
    )
    assert not error.retryable


def test_cancel_during_a_held_job_stops_the_wait_and_cancels_at_fal(fake: FakeFal, tmp_path: Path):
    fake.plan = JobPlan(hold=True)
    job = make_job(tmp_path, "luma")
    gen = generator("luma")
    request_id = gen.submit(job, CancelToken())
    cancel = CancelToken()
    waiting = InThread(lambda: gen.wait(request_id, job, Progress(), cancel))
    wait_for(lambda: fake.job(request_id).state is JobState.RUNNING, "the job running")
    cancel.cancel()
    waiting.join()
    dropped = gen.cancel(request_id)  # what the runner does on Cancelled

    assert isinstance(waiting.error, Cancelled) and dropped
    assert [r.status for r in fake.requests("cancel")] == [202]
    assert fake.job(request_id).state is JobState.CANCELLED and not job.output.exists()


def test_cancel_never_raises_for_finished_or_unknown_requests(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "wan")
    gen = generator("wan")
    request_id = gen.submit(job, CancelToken())
    gen.wait(request_id, job, Progress(), CancelToken())
    # Neither was dropped: a finished clip is paid (keep its id), an unknown one unsure.
    assert gen.cancel(request_id) is False
    assert gen.cancel("no-such-request") is False

    assert [r.status for r in fake.requests("cancel")] == [400, 404]


def test_a_job_that_never_finishes_stops_at_the_wait_limit(fake: FakeFal, tmp_path: Path):
    fake.plan = JobPlan(hold=True)
    job = make_job(tmp_path, "kling")
    gen = FalGenerator(generator("kling").spec, KEY, limits=replace(FAST, max_wait_seconds=0))
    request_id = gen.submit(job, CancelToken())
    error = fails(gen.wait, request_id, job, Progress(), CancelToken())

    assert str(error) == (
        f"kling: fal has not finished request {request_id} after 0 minutes; "
        "resume the session to keep waiting"
    )
    assert error.retryable
