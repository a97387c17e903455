"""Fetching the finished clip: bounded in time and size, cancellable, atomic, checked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scenemaker_desktop.engine.backends.base import ClipJob
from scenemaker_desktop.engine.backends.fal import FalGenerator
from scenemaker_desktop.engine.backends.fal_transport import FalLimits
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import get_model
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.probe import probe
from tests.engine.fal_support import (
    FAST,
    KEY,
    InThread,
    Progress,
    make_job,
    messages_of,
    wait_for,
)
from tests.fakes.fal_server import FakeFal
from tests.fakes.loopback import Fault


def submitted(tmp_path: Path, limits: FalLimits = FAST) -> tuple[FalGenerator, ClipJob, str]:
    job = make_job(tmp_path, "wan")
    gen = FalGenerator(get_model("wan"), KEY, limits=limits)
    return gen, job, gen.submit(job, CancelToken())


def leftovers(job: ClipJob) -> list[str]:
    folder = job.output.parent
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def download_fails(gen: FalGenerator, job: ClipJob, request_id: str) -> GenerationError:
    with pytest.raises(GenerationError) as caught:
        gen.wait(request_id, job, Progress(), CancelToken())
    assert KEY not in messages_of(caught.value)
    return caught.value


def test_a_download_slower_than_the_deadline_fails_retryably(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path, replace(FAST, download_deadline=0.3))
    fake.slow_downloads(chunk_size=64, chunk_delay=0.1)
    error = download_fails(gen, job, request_id)

    assert str(error) == (
        "wan: downloading the clip took longer than 0.3 s; resume the session to try again"
    )
    assert error.retryable and leftovers(job) == []


def test_a_stalled_download_times_out_and_is_retried_boundedly(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path, replace(FAST, download_read_timeout=0.1))
    fake.slow_downloads(chunk_size=64, chunk_delay=1.0)
    error = download_fails(gen, job, request_id)

    assert str(error) == (
        "wan: fal.ai is not answering the clip download (timed out) after 3 tries; "
        "resume the session to try again"
    )
    assert error.retryable and fake.count("download") == 3 and leftovers(job) == []


def test_cancel_during_a_slow_download_stops_it_and_leaves_nothing(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path)
    fake.slow_downloads(chunk_size=64, chunk_delay=0.2)
    cancel = CancelToken()
    waiting = InThread(lambda: gen.wait(request_id, job, Progress(), cancel))
    wait_for(lambda: fake.count("download") == 1, "the download starting")
    cancel.cancel()
    waiting.join()

    assert isinstance(waiting.error, Cancelled) and leftovers(job) == []


def test_a_clip_over_the_size_cap_is_refused_and_the_old_file_kept(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path, replace(FAST, max_download_bytes=1000))
    job.output.parent.mkdir(parents=True, exist_ok=True)
    job.output.write_bytes(b"previous attempt")
    error = download_fails(gen, job, request_id)

    assert str(error) == "wan: fal's clip is larger than 1,000 bytes; not downloading it"
    assert not error.retryable
    assert job.output.read_bytes() == b"previous attempt" and leftovers(job) == ["wan.mp4"]


def test_a_truncated_download_is_fetched_again(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path)
    fake.script("download", Fault(truncate=True))
    gen.wait(request_id, job, Progress(), CancelToken())

    assert fake.count("download") == 2 and probe(job.output).frame_count == 12
    assert leftovers(job) == ["wan.mp4"]


def test_a_file_that_is_not_a_video_is_refused(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path)
    fake.script("download", Fault(status=200, text="<html>Access denied</html>"))
    error = download_fails(gen, job, request_id)

    assert str(error) == "wan: fal's clip is not a playable video"
    assert not error.retryable and leftovers(job) == []


def test_a_transient_404_on_the_finished_clip_is_tried_again(fake: FakeFal, tmp_path: Path):
    # The job is finished and paid: fal's storage may not have the file yet.
    gen, job, request_id = submitted(tmp_path)
    fake.script("download", Fault(status=404, body={"detail": "File not found"}))
    fake.script("result", Fault(status=404, body={"detail": "Request not found"}))

    result = gen.wait(request_id, job, Progress(), CancelToken())

    assert probe(result.video).frame_count > 0
    assert fake.count("download") == 2 and fake.count("result") == 2


def test_a_finished_clip_fal_keeps_refusing_is_kept_for_resume(fake: FakeFal, tmp_path: Path):
    gen, job, request_id = submitted(tmp_path)
    fake.script("download", Fault(status=404, body={"detail": "File not found"}), times=9)
    error = download_fails(gen, job, request_id)

    assert str(error) == (
        f"wan: fal.ai is not answering the clip download (HTTP 404) after {FAST.attempts} "
        "tries; resume the session to try again"
    )
    assert error.retryable  # the runner keeps the request id
    assert fake.count("download") == FAST.attempts and leftovers(job) == []
