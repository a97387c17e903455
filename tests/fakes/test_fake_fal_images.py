"""The fake fal's image endpoints (CodeFormer, face swap) and its drifting clips."""

from __future__ import annotations

import io
from pathlib import Path

import fal_client
import httpx
import pytest
from PIL import Image, ImageStat

from scenemaker_desktop.engine.media.probe import probe
from tests.engine.local_support import decoded_frames, detailed_image
from tests.fakes.colour import delta_e76, mean_lab
from tests.fakes.fal_jobs import JobPlan
from tests.fakes.fal_render import RESTORED_MARK, grade_strength
from tests.fakes.fal_schemas import CODEFORMER, FACE_SWAP, WAN
from tests.fakes.fal_server import FakeFal
from tests.fakes.helpers import write_image

RED, BLUE = (200, 40, 40), (30, 60, 210)
DRIFT = 2.7


def finished(client: fal_client.SyncClient, app_id: str, arguments: dict) -> dict:
    handle = client.submit(app_id, arguments)
    for _ in range(20):
        if isinstance(handle.status(), fal_client.Completed):
            return client.result(app_id, handle.request_id)
    raise AssertionError("the job never completed")


def fetched_image(answer: dict) -> Image.Image:
    image = Image.open(io.BytesIO(httpx.get(answer["image"]["url"]).content))
    image.load()
    return image


def frames_of(clip: bytes, tmp_path: Path) -> list[Image.Image]:
    path = tmp_path / "clip.mp4"
    path.write_bytes(clip)
    info = probe(path)
    return decoded_frames(path, (info.width, info.height))


def clip_from(
    client: fal_client.SyncClient, image: Image.Image, tmp_path: Path
) -> list[Image.Image]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    url = client.upload(buffer.getvalue(), "image/png", "seed.png")
    answer = finished(client, WAN, {"prompt": "she walks on", "image_url": url})
    return frames_of(httpx.get(answer["video"]["url"]).content, tmp_path)


def test_codeformer_answers_with_the_upload_restored_and_marked(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    seed = write_image(tmp_path / "seed.png", (320, 180), RED)
    url = client.upload_file(seed)
    answer = finished(client, CODEFORMER, {"image_url": url, "fidelity": 0.7})

    restored = fetched_image(answer)
    assert answer["image"]["content_type"] == "image/png" and answer["seed"] == 123
    assert answer["image"]["file_name"].endswith(".png")
    assert (answer["image"]["width"], answer["image"]["height"]) == restored.size == (320, 180)
    assert answer["image"]["file_size"] == len(httpx.get(answer["image"]["url"]).content)
    assert restored.getpixel((0, 0)) == RESTORED_MARK and restored.getpixel((1, 1)) == RED


def test_face_swap_pastes_the_swap_images_centre_over_the_bases(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    base = client.upload_file(write_image(tmp_path / "base.png", (400, 300), RED))
    face = client.upload_file(write_image(tmp_path / "face.png", (120, 160), BLUE))
    answer = finished(client, FACE_SWAP, {"base_image_url": base, "swap_image_url": face})

    swapped = fetched_image(answer)
    assert swapped.size == (400, 300) and "seed" not in answer
    assert swapped.getpixel((200, 150)) == BLUE  # the "face", a 75 px square in the middle
    assert swapped.getpixel((200, 110)) == RED and swapped.getpixel((0, 0)) == RED


@pytest.mark.parametrize(
    ("app_id", "arguments", "loc", "kind"),
    [
        (CODEFORMER, {"fidelity": 0.7}, "image_url", "missing"),
        (CODEFORMER, {"image_url": "", "fidelity": 1.5}, "fidelity", "less_than_equal"),
        (CODEFORMER, {"image_url": "", "face_upscale": "yes"}, "face_upscale", "bool_type"),
        (FACE_SWAP, {"base_image_url": ""}, "swap_image_url", "missing"),
        (FACE_SWAP, {"base_image_url": "", "swap_image_url": "", "fidelity": 1}, "fidelity",
         "extra_forbidden"),
    ],
)  # fmt: skip
def test_image_endpoint_bodies_are_checked_like_fals(
    fake: FakeFal,
    client: fal_client.SyncClient,
    tmp_path: Path,
    app_id: str,
    arguments: dict,
    loc: str,
    kind: str,
) -> None:
    url = fake.add_file(write_image(tmp_path / "seed.png", (8, 8), RED).read_bytes())
    body = {k: url if v == "" else v for k, v in arguments.items()}
    with pytest.raises(fal_client.client.FalClientHTTPError) as caught:
        client.submit(app_id, body)

    assert caught.value.status_code == 422
    assert [(e["loc"], e["type"]) for e in caught.value.message] == [(["body", loc], kind)]


def test_a_swap_image_the_fake_cannot_read_fails_the_job_naming_its_field(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    base = client.upload_file(write_image(tmp_path / "base.png", (40, 30), RED))
    text = client.upload(b"not an image", "image/png", "face.png")
    handle = client.submit(FACE_SWAP, {"base_image_url": base, "swap_image_url": text})
    while not isinstance(status := handle.status(), fal_client.Completed):
        pass

    assert status.error == "Could not read the image"
    with pytest.raises(fal_client.client.FalClientHTTPError) as caught:
        handle.get()
    assert caught.value.message[0]["loc"] == ["body", "swap_image_url"]


# -- drift -----------------------------------------------------------------------------


def photo(tmp_path: Path) -> Image.Image:
    with Image.open(detailed_image(tmp_path / "photo.png")) as image:
        return image.convert("RGB")


@pytest.mark.parametrize("kind", ["flat", "detailed"])
def test_a_drifting_clip_ends_about_the_drift_from_its_first_frame(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path, kind: str
) -> None:
    fake.plan = JobPlan(drift=DRIFT)
    image = Image.new("RGB", (320, 180), RED) if kind == "flat" else photo(tmp_path)
    frames = clip_from(client, image, tmp_path)

    first, last = mean_lab(frames[0]), mean_lab(frames[-1])
    assert delta_e76(first, mean_lab(image)) < 1.0  # frame 0 is still the upload
    assert DRIFT * 0.7 <= delta_e76(first, last) <= DRIFT * 1.3


def test_the_drift_is_a_warmer_and_more_contrasted_grade(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    image = photo(tmp_path)
    plain = clip_from(client, image, tmp_path)[-1]
    fake.plan = JobPlan(drift=DRIFT)
    drifted = clip_from(client, image, tmp_path)[-1]

    (red, _, blue), (plain_red, _, plain_blue) = (ImageStat.Stat(f).mean for f in (drifted, plain))
    assert red > plain_red + 1 and blue < plain_blue - 1
    contrast = [ImageStat.Stat(f.convert("L")).stddev[0] for f in (drifted, plain)]
    assert contrast[0] > contrast[1]


def test_chained_drifting_clips_compound_their_drift(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    fake.plan = JobPlan(drift=DRIFT)
    seed, start, distances = photo(tmp_path), None, []
    for _ in range(3):  # each clip starts from the last frame of the one before
        frames = clip_from(client, seed, tmp_path)
        start = start or mean_lab(frames[0])
        distances.append(delta_e76(start, mean_lab(frames[-1])))
        seed = frames[-1]

    assert distances == sorted(distances) and distances[-1] > 2 * DRIFT


def test_without_drift_a_flat_clip_keeps_its_colour(
    fake: FakeFal, client: fal_client.SyncClient, tmp_path: Path
) -> None:
    frames = clip_from(client, Image.new("RGB", (320, 180), RED), tmp_path)
    assert delta_e76(mean_lab(frames[0]), mean_lab(frames[-1])) < 0.3


def test_no_grade_is_added_when_the_zoom_alone_moves_the_colour_that_far(tmp_path: Path):
    image = photo(tmp_path)
    assert grade_strength(image, 0.5, zoom=1.1) == 0.0
    assert 0 < grade_strength(image, DRIFT, zoom=1.1) < grade_strength(image, 5.0, zoom=1.1)
