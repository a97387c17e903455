"""Scripted faults of the fake fal and how the real fal-client 1.0.3 reacts to each."""

from __future__ import annotations

import base64
from pathlib import Path

import fal_client
import httpx
import pytest

from tests.fakes.fal_jobs import JobError, JobPlan
from tests.fakes.fal_redirect import point_fal_client_at
from tests.fakes.fal_schemas import KLING, WAN
from tests.fakes.fal_server import FakeFal, ingress_fault
from tests.fakes.helpers import write_image
from tests.fakes.loopback import Fault


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return write_image(tmp_path / "seed.jpg", (320, 180), (30, 30, 220))


def arguments(image: Path) -> dict[str, str]:
    return {"prompt": "p", "image_url": "data:image/jpeg;base64," + _b64(image)}


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def finish(handle: fal_client.SyncRequestHandle) -> fal_client.Completed:
    for _ in range(20):
        status = handle.status()
        if isinstance(status, fal_client.Completed):
            return status
    raise AssertionError("job never completed")


def test_429_on_submit_is_retried_by_fal_client_until_it_succeeds(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.script("submit", Fault(status=429), times=2)
    handle = client.submit(WAN, arguments(image))
    assert [r.status for r in fake.requests("submit")] == [429, 429, 200]
    assert len(fake.jobs.all()) == 1 and fake.job(handle.request_id) is not None


def test_429_on_status_result_and_cancel_is_retried_too(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, progress_polls=0)
    handle = client.submit(WAN, arguments(image))
    for route in ("status", "result"):
        fake.script(route, Fault(status=429))
    assert isinstance(handle.status(), fal_client.Completed)
    assert "video" in handle.get()
    assert fake.count("status", 429) == 1 and fake.count("result", 429) == 1
    fake.script("cancel", Fault(status=429))
    with pytest.raises(fal_client.FalClientHTTPError):
        handle.cancel()  # retried past the 429, then ALREADY_COMPLETED
    assert [r.status for r in fake.requests("cancel")] == [429, 400]


def test_plain_500_and_503_are_not_retried_and_surface_as_fal_http_errors(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    for status in (500, 503):
        fake.script("status", Fault(status=status))
        with pytest.raises(fal_client.FalClientHTTPError) as caught:
            handle.status()
        assert caught.value.status_code == status and "Scripted" in caught.value.message
    assert fake.count("status") == 2


def test_nginx_ingress_503_is_retried(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    fake.script("status", ingress_fault(503), ingress_fault(502))
    assert isinstance(handle.status(), fal_client.Queued)
    assert [r.status for r in fake.requests("status")] == [503, 502, 202]


def test_connection_reset_on_status_is_retried(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    fake.script("status", Fault(reset=True))
    assert isinstance(handle.status(), fal_client.Queued)
    assert [r.status for r in fake.requests("status")] == [0, 202]


def test_lost_submit_answer_makes_fal_client_submit_twice(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    # A retried submit is a second paid job: worth knowing for the real backend.
    fake.script("submit", Fault(lose_response=True))
    handle = client.submit(WAN, arguments(image))
    assert fake.count("submit") == 2 and len(fake.jobs.all()) == 2
    assert fake.job(handle.request_id) is not None


def test_failed_job_reports_error_in_status_and_raises_on_result(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(error=JobError(500, "GPU fell over", "runner_server_error"))
    handle = client.submit(WAN, arguments(image))
    status = finish(handle)
    assert (status.error, status.error_type) == ("GPU fell over", "runner_server_error")
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.result(WAN, handle.request_id)
    error = caught.value
    assert (error.status_code, error.message, error.error_type) == (
        500,
        "GPU fell over",
        "runner_server_error",
    )
    assert error.response_headers["x-fal-error-type"] == "runner_server_error"


def test_validation_at_result_accepts_submit_and_fails_the_job_with_422(
    image: Path,
) -> None:
    with FakeFal(validate_at="result") as fake:
        undo = point_fal_client_at(fake.base_url)
        try:
            client = fal_client.SyncClient(key=fake.key)
            handle = client.submit(KLING, {**arguments(image), "duration": "7"})
            assert finish(handle).error
            with pytest.raises(fal_client.FalClientHTTPError) as caught:
                handle.get()
        finally:
            undo()
    assert caught.value.status_code == 422
    assert caught.value.message[0]["loc"] == ["body", "duration"]


def test_expired_request_answers_404_on_status_result_and_cancel(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    fake.expire(handle.request_id)
    for call in (handle.status, handle.get, handle.cancel):
        with pytest.raises(fal_client.FalClientHTTPError) as caught:
            call()
        assert caught.value.status_code == 404
    unknown = client.get_handle(WAN, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(fal_client.FalClientHTTPError):
        unknown.status()


def test_job_is_not_done_before_min_seconds_however_often_polled(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, progress_polls=0, min_seconds=600)
    handle = client.submit(WAN, arguments(image))
    assert all(isinstance(handle.status(), fal_client.InProgress) for _ in range(4))
    # fal-client's own get() would poll status first, so fetch the result directly.
    early = httpx.get(handle.response_url, headers={"Authorization": f"Key {fake.key}"})
    assert early.status_code == 400 and early.json() == {"detail": "Request is still in progress"}


def test_cdn_upload_failure_falls_back_to_signed_url_upload(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.script("upload", Fault(status=500))
    url = client.upload_file(image)
    assert (fake.count("upload"), fake.count("initiate"), fake.count("signed_put")) == (1, 1, 1)
    assert httpx.get(url).content == image.read_bytes()
    assert fake.uploads[-1].content_type == "image/jpeg"


def test_429_on_cdn_token_is_not_retried_and_upload_fails(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.script("token", Fault(status=429))
    with pytest.raises(httpx.HTTPStatusError):
        client.upload_file(image)
    assert fake.count("token") == 1 and fake.count("upload") == 0


def test_slow_download_delivers_the_whole_clip(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    finish(handle)
    video = handle.get()["video"]
    fake.slow_downloads(chunk_size=512, chunk_delay=0.01)
    with httpx.stream("GET", video["url"]) as response:
        chunks = list(response.iter_raw())
    assert sum(map(len, chunks)) == video["file_size"] and len(chunks) > 1


def test_truncated_download_is_an_httpx_protocol_error(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, arguments(image))
    finish(handle)
    fake.script("download", Fault(truncate=True))
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(handle.get()["video"]["url"])


def test_scripting_an_unknown_route_is_refused(fake: FakeFal) -> None:
    with pytest.raises(ValueError, match="unknown route"):
        fake.script("sumbit", Fault(status=429))
