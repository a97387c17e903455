from __future__ import annotations

import itertools
import json
import math
import random

import pytest

from scenemaker_desktop.engine.backends.camera import (
    IDENTITY,
    MAX_ZOOM,
    CameraMove,
    CameraPath,
    CameraPose,
    choose_move,
    initial_pose,
    plan_path,
    pose_at,
    smootherstep,
)

FRAMES = 48


@pytest.mark.parametrize(
    ("action", "move"),
    [
        ("She walks toward the camera", CameraMove.PUSH_IN),
        ("slow push in on his face", CameraMove.PUSH_IN),
        ("Zoom in on the lighthouse", CameraMove.PUSH_IN),
        ("the wolf approaches", CameraMove.PUSH_IN),
        ("leaning closer to the mirror", CameraMove.PUSH_IN),
        ("camera pulls back from the table", CameraMove.PULL_OUT),
        ("Pull out to show the valley", CameraMove.PULL_OUT),
        ("zoom out slowly", CameraMove.PULL_OUT),
        ("the fog lifts to reveal a castle", CameraMove.PULL_OUT),
        ("he walks away into the fog", CameraMove.PULL_OUT),
        ("Pan left across the skyline", CameraMove.PAN_LEFT),
        ("the car drives left", CameraMove.PAN_LEFT),
        ("pan to the right", CameraMove.PAN_RIGHT),
        ("she glances right", CameraMove.PAN_RIGHT),
        ("tilt up to the stars", CameraMove.TILT_UP),
        ("the balloon rises over the town", CameraMove.TILT_UP),
        ("the child looks up at the tree", CameraMove.TILT_UP),
        ("TILT DOWN to the street", CameraMove.TILT_DOWN),
        ("leaves fall onto the path", CameraMove.TILT_DOWN),
        ("she looks down at the water", CameraMove.TILT_DOWN),
        ("the camera orbits the statue", CameraMove.ORBIT),
        ("dancers circle the fire", CameraMove.ORBIT),
        ("he turns around slowly", CameraMove.ORBIT),
        ("a quiet moment in the garden", CameraMove.DRIFT),
        ("", CameraMove.DRIFT),
    ],
)
def test_choose_move_reads_the_action_text(action: str, move: CameraMove) -> None:
    assert choose_move(action) is move


@pytest.mark.parametrize(
    "action",
    ["brightness of the morning", "leftover bread", "an arising storm", "the upright piano"],
)
def test_choose_move_matches_whole_words_only(action: str) -> None:
    assert choose_move(action) is CameraMove.DRIFT


def test_choose_move_prefers_what_the_camera_does_over_what_the_subject_does() -> None:
    assert choose_move("as she walks toward us the camera pans left") is CameraMove.PAN_LEFT


def test_choose_move_takes_the_first_subject_motion_mentioned() -> None:
    assert choose_move("she walks toward the door, then turns left") is CameraMove.PUSH_IN
    assert choose_move("she turns left, then walks toward the door") is CameraMove.PAN_LEFT


def test_pose_rejects_zoom_below_one() -> None:
    with pytest.raises(ValueError):
        CameraPose(zoom=0.9)


def test_smootherstep_starts_and_ends_at_rest() -> None:
    assert smootherstep(0.0) == 0.0
    assert smootherstep(1.0) == 1.0
    h = 1e-4
    assert smootherstep(h) / h < 1e-6
    assert (1.0 - smootherstep(1.0 - h)) / h < 1e-6
    values = [smootherstep(i / 100) for i in range(101)]
    assert values == sorted(values)


def test_push_in_zooms_toward_the_middle_and_keeps_its_centre() -> None:
    start = pose_at(CameraMove.PUSH_IN, 0.0, 0.5)
    end = pose_at(CameraMove.PUSH_IN, 1.0, 0.5)
    assert start == IDENTITY
    assert end.zoom == pytest.approx(1.225)
    assert (end.cx, end.cy) == (0.5, 0.5)


def test_stronger_motion_moves_further() -> None:
    gentle = pose_at(CameraMove.PUSH_IN, 1.0, 0.2)
    strong = pose_at(CameraMove.PUSH_IN, 1.0, 1.0)
    assert 1.0 < gentle.zoom < strong.zoom


def _components(pose: CameraPose) -> tuple[float, float, float]:
    return (math.log(pose.zoom), pose.cx, pose.cy)


def _deltas(path: CameraPath) -> list[tuple[float, ...]]:
    poses = [_components(path.pose(i / (FRAMES - 1))) for i in range(FRAMES)]
    return [tuple(b - a for a, b in zip(p, q, strict=True)) for p, q in itertools.pairwise(poses)]


def _sample_paths() -> list[CameraPath]:
    starts = [IDENTITY, CameraPose(1.6, 0.4, 0.6), CameraPose(2.0, 0.27, 0.5)]
    return [
        plan_path(move, strength, start)
        for move in CameraMove
        for strength in (0.1, 0.5, 1.0)
        for start in starts
    ]


def test_pose_changes_smoothly_from_frame_to_frame() -> None:
    for path in _sample_paths():
        deltas = _deltas(path)
        for axis in range(3):
            steps = [d[axis] for d in deltas]
            biggest = max(abs(s) for s in steps)
            if biggest < 1e-9:
                continue
            jerk = max(abs(b - a) for a, b in itertools.pairwise(steps))
            # A stair-step (still, then a jump) would make jerk comparable to the step itself.
            assert jerk < 0.25 * biggest, (path, axis)


def test_straight_moves_never_stall_or_reverse_mid_clip() -> None:
    for path in _sample_paths():
        if path.move is CameraMove.ORBIT:
            continue  # the orbit bends on purpose
        for axis in range(3):
            steps = [d[axis] for d in _deltas(path)]
            if max(abs(s) for s in steps) < 1e-9:
                continue
            assert all(s > 0 for s in steps) or all(s < 0 for s in steps), (path, axis)


def _assert_inside(pose: CameraPose) -> None:
    x0, y0, x1, y1 = pose.crop_box(1920, 1080)
    tolerance = 1e-6
    assert x0 >= -tolerance and y0 >= -tolerance
    assert x1 <= 1920 + tolerance and y1 <= 1080 + tolerance
    assert 1.0 <= pose.zoom <= MAX_ZOOM


def test_crop_never_leaves_the_image() -> None:
    rnd = random.Random(11)
    for _ in range(300):
        zoom = rnd.uniform(1.0, MAX_ZOOM)
        half = 0.5 / zoom
        start = CameraPose(zoom, rnd.uniform(half, 1 - half), rnd.uniform(half, 1 - half))
        path = plan_path(rnd.choice(list(CameraMove)), rnd.uniform(0.1, 1.0), start)
        for i in range(33):
            _assert_inside(path.pose(i / 32))


def test_long_chains_keep_moving_inside_the_image() -> None:
    for move in CameraMove:
        previous = None
        start = initial_pose(move, 1.0)
        for _ in range(15):
            path = plan_path(move, 1.0, start, previous=previous)
            for i in range(17):
                _assert_inside(path.pose(i / 16))
            moved = _components(path.end) != pytest.approx(_components(path.start), abs=1e-4)
            assert moved, f"{move} froze"
            previous, start = path, path.pose(0.9)


def test_continued_push_in_keeps_zooming_from_the_seed_pose() -> None:
    first = plan_path(CameraMove.PUSH_IN, 0.5)
    seed = first.pose(0.9)
    second = plan_path(CameraMove.PUSH_IN, 0.5, seed, previous=first)
    assert second.start == seed
    assert second.end.zoom > seed.zoom


def test_continued_pan_keeps_its_direction() -> None:
    first = plan_path(CameraMove.PAN_LEFT, 0.5)
    second = plan_path(CameraMove.PAN_LEFT, 0.5, first.pose(0.95), previous=first)
    assert first.end.cx < first.start.cx
    assert second.end.cx < second.start.cx


def test_continued_orbit_turns_a_quarter_further() -> None:
    first = plan_path(CameraMove.ORBIT, 0.5)
    second = plan_path(CameraMove.ORBIT, 0.5, first.end, previous=first)
    assert second.heading == pytest.approx(first.heading + math.pi / 2)
    assert first.bulge != (0.0, 0.0)


def test_pull_out_starts_close_enough_to_pull_back() -> None:
    start = initial_pose(CameraMove.PULL_OUT, 0.5)
    path = plan_path(CameraMove.PULL_OUT, 0.5, start)
    assert start.zoom > 1.0
    assert path.end.zoom == pytest.approx(1.0)


def test_exhausted_move_hands_over_to_a_drift() -> None:
    at_full_frame = plan_path(CameraMove.PULL_OUT, 0.5, IDENTITY)
    assert at_full_frame.move is CameraMove.DRIFT
    assert at_full_frame.requested is CameraMove.PULL_OUT
    at_max = plan_path(CameraMove.PUSH_IN, 0.5, CameraPose(MAX_ZOOM))
    assert at_max.move is CameraMove.DRIFT


def test_path_survives_a_json_round_trip() -> None:
    path = plan_path(CameraMove.ORBIT, 0.7, CameraPose(1.3, 0.45, 0.52))
    restored = CameraPath.from_dict(json.loads(json.dumps(path.to_dict())))
    assert restored == path
    assert restored.pose(0.37) == path.pose(0.37)
