"""The fake fal driven by the real fal-client 1.0.3: lifecycle, schemas, auth, cancel."""

from __future__ import annotations

import base64
import threading
from pathlib import Path

import fal_client
import fal_client.client as fal_module
import httpx
import pytest

from scenemaker_desktop.engine.media.probe import probe
from tests.fakes.fal_jobs import JobPlan
from tests.fakes.fal_redirect import point_fal_client_at
from tests.fakes.fal_schemas import KLING, LUMA, PIXVERSE, WAN
from tests.fakes.fal_server import FakeFal
from tests.fakes.helpers import first_frame_rgb, write_image

ALL_MODELS = [WAN, PIXVERSE, LUMA, KLING]


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return write_image(tmp_path / "seed.png", (400, 300), (200, 40, 40))


def run_to_completion(handle: fal_client.SyncRequestHandle) -> list[fal_client.Status]:
    seen = []
    for _ in range(20):
        seen.append(handle.status(with_logs=True))
        if isinstance(seen[-1], fal_client.Completed):
            return seen
    raise AssertionError(f"job never completed: {seen}")


def data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def test_upload_submit_poll_result_yields_real_mp4_starting_from_the_uploaded_image(
    fake: FakeFal, client: fal_client.SyncClient, image: Path, tmp_path: Path
) -> None:
    url = client.upload_file(image)
    handle = client.submit(WAN, {"prompt": "she walks into the fog", "image_url": url})
    statuses = run_to_completion(handle)
    result = client.result(WAN, handle.request_id)

    assert [type(s).__name__ for s in statuses] == ["Queued", "InProgress", "Completed"]
    assert statuses[-1].error is None and "inference_time" in statuses[-1].metrics
    assert result["video"]["content_type"] == "video/mp4" and result["seed"] == 123
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(httpx.get(result["video"]["url"]).content)
    assert clip.stat().st_size == result["video"]["file_size"]
    info = probe(clip)
    assert (info.width, info.height, info.codec, info.frame_count) == (320, 240, "h264", 12)
    red, green, blue = first_frame_rgb(clip)
    assert red > 150 and green < 90 and blue < 90
    assert fake.uploads[0].data == image.read_bytes()
    assert fake.uploads[0].name == "seed.png"


def test_queue_position_counts_down_then_progress_logs_grow(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=3, progress_polls=2)
    handle = client.submit(KLING, {"prompt": "p", "image_url": fake.add_file(image.read_bytes())})
    statuses = run_to_completion(handle)

    assert [s.position for s in statuses if isinstance(s, fal_client.Queued)] == [2, 1, 0]
    progress = [s for s in statuses if isinstance(s, fal_client.InProgress)]
    assert len(progress) == 2 and len(progress[1].logs) > len(progress[0].logs)
    assert all(r.query == {"logs": "true"} for r in fake.requests("status"))


def test_status_without_logs_reports_none_for_logs(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, progress_polls=1)
    handle = client.submit(WAN, {"prompt": "p", "image_url": data_uri(image)})
    status = handle.status(with_logs=False)
    assert isinstance(status, fal_client.InProgress) and status.logs is None
    assert fake.requests("status")[0].query == {"logs": "false"}


def test_queue_urls_use_owner_and_app_only_like_fal(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(KLING, {"prompt": "p", "image_url": data_uri(image)})
    root = f"{fake.base_url}/fal-ai/kling-video/requests/{handle.request_id}"
    assert (handle.response_url, handle.status_url, handle.cancel_url) == (
        root,
        root + "/status",
        root + "/cancel",
    )
    full_path = f"{fake.base_url}/{KLING}/requests/{handle.request_id}/status"
    answer = httpx.get(full_path, headers={"Authorization": f"Key {fake.key}"})
    assert answer.status_code == 404 and "fal-ai/kling-video" in answer.json()["detail"]


FULL_ARGUMENTS = {
    WAN: {
        "negative_prompt": "blur",
        "num_frames": 100,
        "frames_per_second": 24,
        "seed": 7,
        "resolution": "480p",
        "num_inference_steps": 30,
        "guide_scale": 5.0,
        "shift": 5,
        "enable_safety_checker": True,
        "enable_prompt_expansion": False,
        "acceleration": "none",
        "aspect_ratio": "9:16",
    },
    PIXVERSE: {
        "duration": "8",
        "resolution": "720p",
        "negative_prompt": "blur",
        "style": "anime",
        "seed": 1,
    },
    LUMA: {"aspect_ratio": "21:9", "loop": True, "resolution": "1080p", "duration": "9s"},
    KLING: {"duration": "10", "negative_prompt": "blur", "cfg_scale": 1},
}


@pytest.mark.parametrize("app_id", ALL_MODELS)
def test_every_pinned_field_with_a_valid_value_is_accepted(
    fake: FakeFal, client: fal_client.SyncClient, image: Path, app_id: str
) -> None:
    url = fake.add_file(image.read_bytes())
    arguments = {"prompt": "p", "image_url": url, **FULL_ARGUMENTS[app_id]}
    if app_id == LUMA:
        arguments["end_image_url"] = url
    if app_id == KLING:
        arguments["tail_image_url"] = data_uri(image)
    handle = client.submit(app_id, arguments)
    assert fake.job(handle.request_id).arguments == arguments


@pytest.mark.parametrize("app_id", ALL_MODELS)
def test_unknown_field_is_rejected_with_fal_422_detail(
    fake: FakeFal, client: fal_client.SyncClient, image: Path, app_id: str
) -> None:
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(app_id, {"prompt": "p", "image_url": data_uri(image), "fps": 30})
    assert caught.value.status_code == 422
    [item] = caught.value.message
    assert item["loc"] == ["body", "fps"] and item["type"] == "extra_forbidden"
    assert fake.jobs.all() == []


WRONG_ENUMS = {
    WAN: ("resolution", "1080p"),
    PIXVERSE: ("style", "watercolor"),
    LUMA: ("duration", "5"),
    KLING: ("duration", "8"),
}


@pytest.mark.parametrize("app_id", ALL_MODELS)
def test_wrong_enum_value_is_rejected_with_its_field_in_loc(
    fake: FakeFal, client: fal_client.SyncClient, image: Path, app_id: str
) -> None:
    field, value = WRONG_ENUMS[app_id]
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(app_id, {"prompt": "p", "image_url": data_uri(image), field: value})
    [item] = caught.value.message
    assert caught.value.status_code == 422
    assert (item["loc"], item["type"], item["input"]) == (["body", field], "literal_error", value)


@pytest.mark.parametrize(
    ("app_id", "field", "value", "kind"),
    [
        (WAN, "num_frames", 80, "greater_than_equal"),
        (WAN, "frames_per_second", 25, "less_than_equal"),
        (WAN, "num_frames", "81", "int_type"),
        (PIXVERSE, "duration", 5, "literal_error"),
        (LUMA, "loop", "yes", "bool_type"),
        (KLING, "cfg_scale", 1.5, "less_than_equal"),
        (KLING, "negative_prompt", None, "string_type"),
    ],
)
def test_wrong_type_or_out_of_range_value_is_rejected(
    client: fal_client.SyncClient, image: Path, app_id: str, field: str, value: object, kind: str
) -> None:
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(app_id, {"prompt": "p", "image_url": data_uri(image), field: value})
    assert [(e["loc"], e["type"]) for e in caught.value.message] == [(["body", field], kind)]


def test_pixverse_1080p_is_only_accepted_with_five_seconds(
    client: fal_client.SyncClient, image: Path
) -> None:
    base = {"prompt": "p", "image_url": data_uri(image), "resolution": "1080p"}
    client.submit(PIXVERSE, {**base, "duration": "5"})
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(PIXVERSE, {**base, "duration": "8"})
    assert caught.value.message[0]["loc"] == ["body", "duration"]


def test_missing_prompt_and_image_url_are_both_reported(client: fal_client.SyncClient) -> None:
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(LUMA, {"loop": False})
    found = {(tuple(e["loc"]), e["type"]) for e in caught.value.message}
    assert found == {(("body", "prompt"), "missing"), (("body", "image_url"), "missing")}


def test_image_url_the_fake_cannot_serve_is_a_download_error(
    fake: FakeFal, client: fal_client.SyncClient
) -> None:
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.submit(WAN, {"prompt": "p", "image_url": "https://example.com/cat.png"})
    [item] = caught.value.message
    assert item["loc"] == ["body", "image_url"] and item["type"] == "file_download_error"


def test_wrong_key_gets_401_with_detail(fake: FakeFal, image: Path) -> None:
    wrong = fal_client.SyncClient(key="not-the-key")
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        wrong.submit(WAN, {"prompt": "p", "image_url": data_uri(image)})
    assert caught.value.status_code == 401 and "Key" in caught.value.message
    assert fake.requests("submit")[0].headers.get("authorization") is None


def test_wrong_key_fails_upload_at_the_token_step_as_plain_httpx_error(
    fake: FakeFal, image: Path
) -> None:
    wrong = fal_client.SyncClient(key="not-the-key")
    with pytest.raises(httpx.HTTPStatusError) as caught:
        wrong.upload_file(image)
    assert caught.value.response.status_code == 401
    assert fake.count("token") == 1 and fake.count("upload") == 0


def test_cancel_of_a_running_job_is_recorded_and_reported_by_status_and_result(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, hold=True)
    handle = client.submit(WAN, {"prompt": "p", "image_url": data_uri(image)})
    assert isinstance(handle.status(), fal_client.InProgress)
    handle.cancel()
    status = handle.status(with_logs=True)
    assert isinstance(status, fal_client.Completed)
    assert status.error_type == "client_cancelled" and status.error
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        handle.get()
    assert caught.value.status_code == 499 and caught.value.error_type == "client_cancelled"
    assert fake.count("cancel") == 1 and fake.requests("cancel")[0].method == "PUT"


def test_cancel_after_completion_answers_already_completed(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(WAN, {"prompt": "p", "image_url": data_uri(image)})
    run_to_completion(handle)
    with pytest.raises(fal_client.FalClientHTTPError) as caught:
        client.cancel(WAN, handle.request_id)
    assert caught.value.status_code == 400 and "ALREADY_COMPLETED" in caught.value.message


def test_cancel_arriving_during_a_slow_status_poll_wins(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, progress_polls=0)
    handle = client.submit(WAN, {"prompt": "p", "image_url": data_uri(image)})
    fake.set_latency("status", 1.0)
    seen: list[fal_client.Status] = []
    poller = threading.Thread(target=lambda: seen.append(handle.status()))
    poller.start()
    while fake.count("status") == 0:
        threading.Event().wait(0.01)
    handle.cancel()
    poller.join()
    assert seen[0].error_type == "client_cancelled"


def test_held_job_stays_in_progress_until_released(
    fake: FakeFal, client: fal_client.SyncClient, image: Path
) -> None:
    fake.plan = JobPlan(queued_polls=0, progress_polls=1, hold=True)
    handle = client.submit(PIXVERSE, {"prompt": "p", "image_url": data_uri(image)})
    assert all(isinstance(handle.status(), fal_client.InProgress) for _ in range(5))
    fake.release(handle.request_id)
    assert isinstance(handle.status(), fal_client.Completed)
    assert handle.get()["video"]["url"].startswith(fake.base_url)


def test_luma_result_has_no_seed_because_luma_takes_none(
    client: fal_client.SyncClient, image: Path
) -> None:
    handle = client.submit(LUMA, {"prompt": "p", "image_url": data_uri(image)})
    run_to_completion(handle)
    assert set(handle.get()) == {"video"}


def test_redirect_undo_restores_the_real_fal_hosts() -> None:
    before = (fal_module.QUEUE_URL_FORMAT, fal_module.REST_URL, fal_module.CDN_URL)
    undo = point_fal_client_at("http://127.0.0.1:9/")
    assert fal_module.QUEUE_URL_FORMAT == "http://127.0.0.1:9/"
    assert fal_module.RUN_URL_FORMAT == "http://127.0.0.1:9/"
    assert (fal_module.REST_URL, fal_module.CDN_URL) == ("http://127.0.0.1:9",) * 2
    undo()
    after = (fal_module.QUEUE_URL_FORMAT, fal_module.REST_URL, fal_module.CDN_URL)
    assert after == before
    assert before[0] == "https://queue.fal.run/"
