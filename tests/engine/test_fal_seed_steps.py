"""The seed-frame steps (face restoration, face swap) on the fake fal with the real fal-client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from scenemaker_desktop.engine.backends.fal_seed_steps import FalSeedSteps
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog.seed_steps import FACE_ENHANCEMENT, FACE_SWAP
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from tests.engine.fal_support import FAST, KEY, InThread, messages_of, wait_for
from tests.fakes.fal_jobs import JobError, JobPlan, JobState
from tests.fakes.fal_render import RESTORED_MARK
from tests.fakes.fal_server import FakeFal
from tests.fakes.helpers import write_image
from tests.fakes.loopback import Fault

RED, BLUE = (200, 60, 30), (20, 40, 220)


@pytest.fixture
def steps(fake: FakeFal) -> Iterator[FalSeedSteps]:
    with FalSeedSteps(KEY, limits=FAST) as steps:
        yield steps


@pytest.fixture
def seed(tmp_path: Path) -> Path:
    return write_image(tmp_path / "seed_02.png", (320, 180), RED)


@pytest.fixture
def reference(tmp_path: Path) -> Path:
    return write_image(tmp_path / "input.png", (200, 200), BLUE)


def uploaded(fake: FakeFal, url: str) -> bytes | None:
    return fake.storage.resolve(url)


def test_face_restoration_sends_the_seed_with_fidelity_and_saves_a_png(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    dest = steps.wait(FACE_ENHANCEMENT, request_id, tmp_path / "out" / "seed_02.png", CancelToken())

    arguments = fake.job(request_id).arguments
    assert set(arguments) == {"image_url", "fidelity"} and arguments["fidelity"] == 0.7
    assert fake.job(request_id).app_id == "fal-ai/codeformer"
    assert uploaded(fake, arguments["image_url"]) == seed.read_bytes()
    with Image.open(dest) as restored:
        assert (restored.format, restored.mode, restored.size) == ("PNG", "RGB", (320, 180))
        assert restored.getpixel((0, 0)) == RESTORED_MARK  # the fake's restoration ran
        assert restored.getpixel((160, 90)) == RED
    assert sorted(p.name for p in dest.parent.iterdir()) == ["seed_02.png"]


def test_face_swap_sends_the_seed_as_base_and_the_input_as_the_face(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, reference: Path, tmp_path: Path
) -> None:
    images = {"seed": seed, "reference": reference}
    request_id = steps.submit(FACE_SWAP, images, CancelToken())
    dest = steps.wait(FACE_SWAP, request_id, tmp_path / "swapped.png", CancelToken())

    arguments = fake.job(request_id).arguments
    assert set(arguments) == {"base_image_url", "swap_image_url"}
    assert uploaded(fake, arguments["base_image_url"]) == seed.read_bytes()
    assert uploaded(fake, arguments["swap_image_url"]) == reference.read_bytes()
    with Image.open(dest) as swapped:
        assert swapped.size == (320, 180)
        assert swapped.getpixel((160, 90)) == BLUE and swapped.getpixel((5, 5)) == RED


def test_a_big_seed_frame_goes_up_untouched(
    fake: FakeFal, steps: FalSeedSteps, tmp_path: Path
) -> None:
    noisy = tmp_path / "seed_01.png"
    Image.frombytes("RGB", (1920, 1080), os.urandom(1920 * 1080 * 3)).save(noisy)
    assert noisy.stat().st_size > 5_000_000
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": noisy}, CancelToken())

    (upload,) = fake.uploads
    assert upload.data == noisy.read_bytes() and upload.content_type == "image/png"
    assert uploaded(fake, fake.job(request_id).arguments["image_url"]) == upload.data


def test_on_sending_runs_after_the_uploads_and_just_before_the_submit(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, reference: Path
) -> None:
    seen: list[tuple[int, int]] = []
    steps.submit(
        FACE_SWAP,
        {"seed": seed, "reference": reference},
        CancelToken(),
        lambda: seen.append((len(fake.uploads), fake.count("submit"))),
    )

    assert seen == [(2, 0)] and fake.count("submit") == 1


def test_a_cancel_before_sending_submits_nothing(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, reference: Path
) -> None:
    cancel = CancelToken()
    cancel.cancel()
    sending: list[bool] = []
    with pytest.raises(Cancelled):
        steps.submit(
            FACE_SWAP, {"seed": seed, "reference": reference}, cancel, lambda: sending.append(True)
        )

    assert sending == [] and fake.count("submit") == 0 and fake.jobs.all() == []


def test_a_cancel_during_the_uploads_submits_nothing(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, reference: Path
) -> None:
    fake.set_latency("upload", 0.5)
    cancel = CancelToken()
    sending: list[bool] = []
    call = InThread(
        lambda: steps.submit(
            FACE_SWAP, {"seed": seed, "reference": reference}, cancel, lambda: sending.append(True)
        )
    )
    wait_for(lambda: fake.count("upload") == 2, "the reference image upload")
    cancel.cancel()
    call.join(timeout=2.0)

    assert isinstance(call.error, Cancelled)
    assert sending == [] and fake.count("submit") == 0


def test_a_swap_without_its_reference_is_refused_before_any_upload(
    fake: FakeFal, steps: FalSeedSteps, seed: Path
) -> None:
    with pytest.raises(ValueError, match="face_swap needs the reference image"):
        steps.submit(FACE_SWAP, {"seed": seed}, CancelToken())
    assert fake.uploads == []


def test_a_failed_job_is_one_line_naming_the_step_without_the_key(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    fake.plan = JobPlan(error=JobError(500, f"no face found\nin the image ({KEY})", "no_face"))
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    with pytest.raises(GenerationError) as caught:
        steps.wait(FACE_ENHANCEMENT, request_id, tmp_path / "restored.png", CancelToken())

    assert str(caught.value) == (
        "Face restoration (CodeFormer): fal could not make the image: no face found in the "
        "image (***)"
    )
    assert not caught.value.retryable and KEY not in messages_of(caught.value)
    assert not (tmp_path / "restored.png").exists()


def test_a_result_missing_after_completion_is_tried_again(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    # The job is finished and paid: fal's storage may not have the answer or file yet.
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    fake.script("result", Fault(status=404, body={"detail": "Request not found"}))
    fake.script("download", Fault(status=404, body={"detail": "File not found"}))
    dest = steps.wait(FACE_ENHANCEMENT, request_id, tmp_path / "restored.png", CancelToken())

    assert fake.count("result") == 2 and fake.count("download") == 2
    with Image.open(dest) as restored:
        assert restored.getpixel((0, 0)) == RESTORED_MARK


def test_a_result_fal_keeps_refusing_is_kept_for_resume_and_not_paid_twice(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    fake.script(
        "result", Fault(status=404, body={"detail": "Request not found"}), times=FAST.attempts
    )
    dest = tmp_path / "restored.png"
    with pytest.raises(GenerationError) as caught:
        steps.wait(FACE_ENHANCEMENT, request_id, dest, CancelToken())

    assert caught.value.retryable  # the caller keeps the request id
    assert fake.count("result") == FAST.attempts and not dest.exists()
    # fal's storage caught up: a resume collects the same request
    with FalSeedSteps(KEY, limits=FAST) as resumed:
        resumed.wait(FACE_ENHANCEMENT, request_id, dest, CancelToken())
    assert fake.count("submit") == 1 and dest.exists()


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_written(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    dest = write_image(tmp_path / "restored.png", (8, 8), BLUE)
    request_id = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    fake.script("download", Fault(status=200, text="<html>Access denied</html>"))
    with pytest.raises(GenerationError) as caught:
        steps.wait(FACE_ENHANCEMENT, request_id, dest, CancelToken())

    assert str(caught.value) == "Face restoration (CodeFormer): fal's image could not be read"
    assert not caught.value.retryable
    assert sorted(p.name for p in tmp_path.iterdir()) == ["restored.png", "seed_02.png"]
    with Image.open(dest) as kept:
        assert kept.size == (8, 8)


def test_cancel_drops_a_running_step_and_never_raises_once_it_finished(
    fake: FakeFal, steps: FalSeedSteps, seed: Path, tmp_path: Path
) -> None:
    fake.plan = JobPlan(hold=True)
    running = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    assert steps.cancel(FACE_ENHANCEMENT, running)
    assert fake.job(running).state is JobState.CANCELLED

    fake.plan = JobPlan()
    done = steps.submit(FACE_ENHANCEMENT, {"seed": seed}, CancelToken())
    steps.wait(FACE_ENHANCEMENT, done, tmp_path / "restored.png", CancelToken())
    assert not steps.cancel(FACE_ENHANCEMENT, done)  # paid: fal keeps it
    assert not steps.cancel(FACE_ENHANCEMENT, "no-such-request")
