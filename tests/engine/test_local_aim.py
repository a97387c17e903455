"""Local Preview finds where the subject is and aims the camera at it."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scenemaker_desktop.engine.backends.camera_aim import reachable
from scenemaker_desktop.engine.vision.detail import find_detail
from tests.engine.local_support import TINY, clip_job, decoded_frames, grown_from_seed, render

pytestmark = pytest.mark.slow

SUBJECT = (0.3, 0.35)
"""Where the busy patch sits, as a share of the picture's width and height."""


def _subject_image(path: Path, size: tuple[int, int] = (800, 450)) -> Path:
    """A quiet gradient with one small, busy patch of shapes: the subject."""
    rnd = random.Random(9)
    image = Image.linear_gradient("L").rotate(90).resize(size).convert("RGB")
    draw = ImageDraw.Draw(image)
    cx, cy = SUBJECT[0] * size[0], SUBJECT[1] * size[1]
    for _ in range(60):
        x, y = cx + rnd.uniform(-40, 40), cy + rnd.uniform(-40, 40)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        draw.rectangle((x - 6, y - 6, x + 6, y + 6), fill=colour, outline=(0, 0, 0))
    image.save(path)
    return path


def _distance_from_middle(frame: Image.Image) -> float:
    detail = find_detail(frame)
    assert detail is not None
    return math.hypot(detail.x - 0.5, detail.y - 0.5)


def test_detail_is_found_where_the_subject_is(tmp_path: Path) -> None:
    detail = find_detail(Image.open(_subject_image(tmp_path / "subject.png")))
    assert detail is not None
    assert (detail.x, detail.y) == pytest.approx(SUBJECT, abs=0.06)


def test_an_evenly_plain_picture_has_no_subject() -> None:
    assert find_detail(Image.new("RGB", (320, 180), (90, 120, 150))) is None


def test_push_in_on_an_off_centre_subject_ends_centred_on_it(tmp_path: Path) -> None:
    source = _subject_image(tmp_path / "subject.png")
    params = {**TINY, "duration": 5, "camera_move": "push_in", "motion_strength": 1.0}
    result = render(clip_job(source, tmp_path / "clip.mp4", params))
    focus, end = result.state["focus"], result.state["end_pose"]
    # The 16:9 base frame is the whole 16:9 picture here, so the subject keeps its place.
    assert (focus["x"], focus["y"]) == pytest.approx(SUBJECT, abs=0.06)
    target = (reachable(focus["x"], end["zoom"]), reachable(focus["y"], end["zoom"]))
    assert (end["cx"], end["cy"]) == pytest.approx(target, abs=0.01)
    frames = decoded_frames(result.video)
    assert _distance_from_middle(frames[-1]) < 0.5 * _distance_from_middle(frames[0])


def test_a_chain_grown_from_its_seed_frame_keeps_aiming_at_the_same_subject(
    tmp_path: Path,
) -> None:
    source = _subject_image(tmp_path / "subject.png")
    _, second, seed = grown_from_seed(source, tmp_path, {**TINY, "camera_move": "push_in"})
    assert second.state["rendered_from"] == "seed"
    detail = find_detail(Image.open(seed))
    assert detail is not None
    # Carried over from the first chain and moved into the seed frame's own picture.
    focus = second.state["focus"]
    assert (focus["x"], focus["y"]) == pytest.approx((detail.x, detail.y), abs=0.08)
