"""The fal backend against FakeFal with the real fal-client: bodies, ids, progress, uploads."""

from __future__ import annotations

import io
import os
from pathlib import Path

import fal_client.client as fal_module
import pytest
from PIL import Image

from scenemaker_desktop.engine.backends.fal import FalGenerator, check_connection
from scenemaker_desktop.engine.backends.fal_config import FAL_URL_ENV, configure_fal_client
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import fal_arguments, get_model
from scenemaker_desktop.engine.errors import BackendUnavailableError
from scenemaker_desktop.engine.media.probe import probe
from tests.engine.fal_support import (
    CLOUD_MODELS,
    KEY,
    Progress,
    fal_fake,
    generator,
    make_job,
    messages_of,
    protect_fal_module,
    run,
)
from tests.fakes.fal_jobs import JobPlan
from tests.fakes.fal_schemas import SCHEMAS
from tests.fakes.fal_server import FakeFal
from tests.fakes.fal_validation import validate


@pytest.mark.parametrize("model", CLOUD_MODELS)
def test_each_model_submits_the_catalog_body_and_writes_a_real_mp4(
    fake: FakeFal, tmp_path: Path, model: str
) -> None:
    spec = get_model(model)
    job = make_job(tmp_path, model)
    with generator(model) as gen:
        result = run(gen, job)

    (submitted,) = fake.requests("submit")
    assert submitted.status == 200 and submitted.path == "/" + spec.endpoint
    image_url = submitted.json["image_url"]
    assert submitted.json == fal_arguments(spec, job.params, job.prompt, image_url)
    assert validate(spec.endpoint, submitted.json) == []
    assert set(submitted.json) <= set(SCHEMAS[spec.endpoint])
    assert fake.storage.resolve(image_url) == job.seed_image.read_bytes()
    info = probe(job.output)
    assert info.codec == "h264" and info.frame_count == 12 and info.width == 320
    assert result.video == job.output
    assert result.state == {"fal_request_id": fake.jobs.all()[0].request_id}
    assert result.cost_usd == spec.price.clip_cost(job.params, spec.clip_seconds(job.params))
    assert [p.name for p in job.output.parent.iterdir()] == [job.output.name]


def test_submit_returns_the_request_id_before_any_status_poll(fake: FakeFal, tmp_path: Path):
    job = make_job(tmp_path, "wan")
    gen = generator("wan")
    request_id = gen.submit(job, CancelToken())

    assert [r.route for r in fake.requests()] == ["token", "upload", "submit"]
    assert request_id == fake.jobs.all()[0].request_id
    gen.wait(request_id, job, Progress(), CancelToken())
    routes = [r.route for r in fake.requests()]
    assert routes.index("status") > routes.index("submit")
    assert routes.count("submit") == 1 and routes[-1] == "download"


def test_queue_position_then_the_latest_log_line_are_reported(fake: FakeFal, tmp_path: Path):
    fake.plan = JobPlan(queued_polls=3, progress_polls=2)
    job = make_job(tmp_path, "kling")
    gen = generator("kling")
    progress = Progress()
    gen.wait(gen.submit(job, CancelToken()), job, progress, CancelToken())

    queued = [p for p in progress.reports if p.queue_position is not None]
    assert [p.queue_position for p in queued] == [2, 1, 0]
    assert all(p.fraction is None and p.message == "queued at fal.ai" for p in queued)
    running = progress.reports[len(queued) : len(queued) + 2]
    assert [p.message for p in running] == ["Generating video: 50%", "Generating video: 99%"]
    fractions = [p.fraction for p in progress.reports[len(queued) :]]
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
    assert progress.reports[-1].fraction == 1.0


def test_a_new_generator_resumes_a_saved_request_without_submitting_again(
    fake: FakeFal, tmp_path: Path
) -> None:
    job = make_job(tmp_path, "luma")
    request_id = generator("luma").submit(job, CancelToken())
    resumed = generator("luma")  # as after a restart: a fresh process, the id from disk
    result = resumed.wait(request_id, job, Progress(), CancelToken())

    assert fake.count("submit") == 1 and fake.count("upload") == 1
    assert result.state["fal_request_id"] == request_id and probe(job.output).frame_count > 0


def test_a_large_png_seed_frame_goes_up_untouched_at_full_quality(fake: FakeFal, tmp_path: Path):
    noisy = tmp_path / "noisy.png"
    Image.frombytes("RGB", (2560, 1440), os.urandom(2560 * 1440 * 3)).save(noisy)
    assert noisy.stat().st_size > 10_000_000  # seed frames are lossless, however big
    job = make_job(tmp_path, "wan", image=noisy)
    gen = generator("wan")
    gen.submit(job, CancelToken())

    (upload,) = fake.uploads
    assert upload.content_type == "image/png" and upload.name == "noisy.png"
    assert upload.data == noisy.read_bytes()


def test_a_seed_in_another_format_goes_up_as_a_lossless_png(fake: FakeFal, tmp_path: Path):
    tiff = tmp_path / "seed.tiff"
    Image.frombytes("RGB", (64, 32), os.urandom(64 * 32 * 3)).save(tiff)
    generator("wan").submit(make_job(tmp_path, "wan", image=tiff), CancelToken())

    (upload,) = fake.uploads
    assert upload.content_type == "image/png" and upload.name == "seed.png"
    with Image.open(io.BytesIO(upload.data)) as sent, Image.open(tiff) as original:
        assert sent.format == "PNG" and sent.tobytes() == original.convert("RGB").tobytes()


def test_a_very_wide_seed_is_scaled_to_2560_and_a_small_png_goes_up_untouched(
    fake: FakeFal, tmp_path: Path
) -> None:
    wide = tmp_path / "wide.png"
    Image.new("RGB", (4000, 1000), (10, 120, 200)).save(wide)
    small = tmp_path / "small.png"
    Image.new("RGB", (320, 180), (10, 120, 200)).save(small)
    gen = generator("pixverse")
    gen.submit(make_job(tmp_path, "pixverse", image=wide), CancelToken())
    gen.submit(make_job(tmp_path, "pixverse", image=small), CancelToken())

    scaled, untouched = fake.uploads
    with Image.open(io.BytesIO(scaled.data)) as sent:
        assert sent.size == (2560, 640) and scaled.content_type == "image/jpeg"
    assert untouched.data == small.read_bytes() and untouched.content_type == "image/png"


def test_scenemaker_fal_url_replaces_every_fal_host_idempotently(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protect_fal_module(monkeypatch)
    monkeypatch.setenv(FAL_URL_ENV, "http://127.0.0.1:9/base/")
    configure_fal_client()
    configure_fal_client()

    assert fal_module.QUEUE_URL_FORMAT == "http://127.0.0.1:9/base/"
    assert fal_module.RUN_URL_FORMAT == "http://127.0.0.1:9/base/"
    assert fal_module.REST_URL == "http://127.0.0.1:9/base"
    assert fal_module.CDN_URL == "http://127.0.0.1:9/base"
    assert fal_module.MAX_ATTEMPTS == 1


def test_without_scenemaker_fal_url_the_real_fal_hosts_stay(monkeypatch: pytest.MonkeyPatch):
    protect_fal_module(monkeypatch)
    FalGenerator(get_model("wan"), KEY)

    assert fal_module.QUEUE_URL_FORMAT == "https://queue.fal.run/"
    assert fal_module.REST_URL == "https://rest.fal.ai"
    assert fal_module.CDN_URL == "https://v3.fal.media"


def test_check_connection_accepts_the_right_key(fake: FakeFal):
    assert check_connection(KEY) == "fal key accepted"
    assert fake.requests("token")[0].status == 200


def test_check_connection_rejects_a_wrong_key_without_showing_it(fake: FakeFal):
    with pytest.raises(BackendUnavailableError) as caught:
        check_connection("wrong-key-abcdef")

    assert str(caught.value) == "fal key rejected (401): check it in Settings or FAL_KEY"
    assert "wrong-key-abcdef" not in messages_of(caught.value)


def test_check_connection_names_an_unreachable_fal(monkeypatch: pytest.MonkeyPatch):
    with fal_fake(monkeypatch) as server:
        pass  # closed: its port now refuses connections
    with pytest.raises(BackendUnavailableError) as caught:
        check_connection(KEY)

    assert str(caught.value) == (
        "cannot reach fal.ai (cannot connect): check the network connection"
    )
    assert server.count("token") == 0


def test_check_connection_refuses_an_empty_key():
    with pytest.raises(BackendUnavailableError, match="no fal key given"):
        check_connection("  ")
