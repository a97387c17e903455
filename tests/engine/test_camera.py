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
    CameraPose,
    choose_move,
    smootherstep,
)
from scenemaker_desktop.engine.backends.camera_path import (
    CameraPath,
    initial_pose,
    plan_first,
    plan_next,
)

FRAMES = 48
SECONDS = 2


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


def _first(
    move: CameraMove,
    strength: float = 0.5,
    *,
    chains: int = 1,
    start: CameraPose | None = None,
) -> CameraPath:
    return plan_first(
        move, strength, duration_s=SECONDS, frame_count=FRAMES, chains=chains, start=start
    )


def _session(
    move: CameraMove, strength: float, seeds: list[int]
) -> tuple[list[CameraPose], list[int]]:
    """The poses final.mp4 shows: each clip cut just before its seed frame, the last kept whole.

    Also returns where each later clip starts in that sequence.
    """
    path = _first(move, strength, chains=len(seeds) + 1)
    shown: list[CameraPose] = []
    seams = []
    for number, seed in enumerate(seeds, start=1):
        shown += path.poses[:seed]
        seams.append(len(shown))
        path = plan_next(path, seed, last=number == len(seeds))
    return [*shown, *path.poses], seams


def _components(pose: CameraPose) -> tuple[float, float, float]:
    return (math.log(pose.zoom), pose.cx, pose.cy)


def _steps(poses: list[CameraPose]) -> list[tuple[float, ...]]:
    return [
        tuple(b - a for a, b in zip(_components(p), _components(q), strict=True))
        for p, q in itertools.pairwise(poses)
    ]


def _speeds(poses: list[CameraPose]) -> list[float]:
    """How fast the picture moves: view widths per frame at the edge of the frame."""
    return [
        math.hypot(0.5 * dz, dx * pose.zoom, dy * pose.zoom)
        for (dz, dx, dy), pose in zip(_steps(poses), poses[1:], strict=True)
    ]


def _assert_inside(pose: CameraPose) -> None:
    x0, y0, x1, y1 = pose.crop_box(1920, 1080)
    tolerance = 1e-6
    assert x0 >= -tolerance and y0 >= -tolerance
    assert x1 <= 1920 + tolerance and y1 <= 1080 + tolerance
    assert 1.0 <= pose.zoom <= MAX_ZOOM


def test_one_chain_push_in_eases_in_and_out_and_reaches_its_full_amount() -> None:
    path = plan_first(CameraMove.PUSH_IN, 0.5, duration_s=5, frame_count=120)
    assert path.start == IDENTITY
    assert path.end.zoom == pytest.approx(1.225, rel=1e-6)
    assert (path.end.cx, path.end.cy) == (0.5, 0.5)
    speeds = _speeds(list(path.poses))
    assert speeds[0] < 0.01 * max(speeds) and speeds[-1] < 0.01 * max(speeds)


def test_stronger_motion_moves_further() -> None:
    gentle = _first(CameraMove.PUSH_IN, 0.2).end
    strong = _first(CameraMove.PUSH_IN, 1.0).end
    assert 1.0 < gentle.zoom < strong.zoom


def _sample_paths() -> list[CameraPath]:
    starts = [IDENTITY, CameraPose(1.6, 0.4, 0.6), CameraPose(2.0, 0.27, 0.5)]
    return [
        _first(move, strength, chains=chains, start=start)
        for move in CameraMove
        for strength in (0.1, 0.5, 1.0)
        for start in starts
        for chains in (1, 3)
    ]


def test_pose_changes_smoothly_from_frame_to_frame() -> None:
    for path in _sample_paths():
        deltas = _steps(list(path.poses))
        for axis in range(3):
            steps = [d[axis] for d in deltas]
            biggest = max(abs(s) for s in steps)
            if biggest < 1e-9:
                continue
            jerk = max(abs(b - a) for a, b in itertools.pairwise(steps))
            # A stair-step (still, then a jump) would make jerk comparable to the step itself.
            assert jerk < 0.25 * biggest, (path, axis)


def test_straight_moves_never_reverse_while_they_have_room() -> None:
    for move in set(CameraMove) - {CameraMove.ORBIT, CameraMove.DRIFT}:
        for strength in (0.1, 0.5, 1.0):
            for chains in (1, 3):
                path = _first(move, strength, chains=chains)
                assert path.drift_from_frame is None
                for axis in range(3):
                    steps = [d[axis] for d in _steps(list(path.poses))]
                    assert all(s >= 0 for s in steps) or all(s <= 0 for s in steps), (move, axis)


def test_crop_never_leaves_the_image() -> None:
    rnd = random.Random(11)
    for _ in range(120):
        zoom = rnd.uniform(1.0, MAX_ZOOM)
        half = 0.5 / zoom
        start = CameraPose(zoom, rnd.uniform(half, 1 - half), rnd.uniform(half, 1 - half))
        move = rnd.choice(list(CameraMove))
        path = _first(move, rnd.uniform(0.1, 1.0), chains=2, start=start)
        later = plan_next(path, rnd.randrange(FRAMES - 8, FRAMES), last=True)
        for pose in (*path.poses, *later.poses):
            _assert_inside(pose)


def test_long_sessions_keep_moving_inside_the_image() -> None:
    for move in CameraMove:
        shown, _seams = _session(move, 1.0, [FRAMES - 3] * 14)
        for pose in shown:
            _assert_inside(pose)
        speeds = _speeds(shown)
        cruising = speeds[FRAMES:-FRAMES]  # past the ease-in, before the ease-out
        # Where a move runs out of room it slows down while a (slower) drift takes
        # over; the camera never comes to a stop on the way.
        assert min(cruising) > 0.1 * max(cruising), move


@pytest.mark.parametrize("move", list(CameraMove))
@pytest.mark.parametrize("seeds", [[FRAMES - 1, FRAMES - 1], [FRAMES - 3, FRAMES - 8]])
def test_chains_join_without_a_pulse(move: CameraMove, seeds: list[int]) -> None:
    shown, seams = _session(move, 0.5, seeds)
    speeds = _speeds(shown)
    cruise = max(speeds)
    for seam in seams:
        # speeds[seam - 1] is the step from the last frame kept of one clip to
        # the first frame of the next: it must lie on the curve of the steps
        # either side (a pulse would dip, a jump would spike) and not be a stop.
        before, across, after = speeds[seam - 2 : seam + 1]
        assert across == pytest.approx((before + after) / 2, abs=0.01 * cruise), (move, seam)
        assert across > 0.3 * cruise, (move, seam)


def test_only_the_first_chain_eases_in_and_only_the_last_eases_out() -> None:
    first = _first(CameraMove.PUSH_IN, 0.5, chains=3)
    middle = plan_next(first, FRAMES - 3, last=False)
    last = plan_next(middle, FRAMES - 3, last=True)
    cruise = max(_speeds(list(middle.poses)))
    first_speeds = _speeds(list(first.poses))
    assert first_speeds[0] < 0.05 * cruise
    assert first_speeds[-1] == pytest.approx(cruise, rel=1e-6)
    assert _speeds(list(middle.poses)) == pytest.approx([cruise] * (FRAMES - 1), rel=1e-6)
    last_speeds = _speeds(list(last.poses))
    assert last_speeds[0] == pytest.approx(cruise, rel=1e-6)
    assert last_speeds[-1] < 0.05 * cruise


def test_next_chain_carries_on_the_exact_motion_from_its_seed_frame() -> None:
    first = _first(CameraMove.ORBIT, 0.7, chains=3)
    second = plan_next(first, 40, last=False)
    assert second.start == first.pose_at_frame(40)
    for offset in range(FRAMES - 40):
        expected = _components(first.pose_at_frame(40 + offset))
        assert _components(second.pose_at_frame(offset)) == pytest.approx(expected, abs=1e-12)


def test_continued_pan_keeps_its_direction() -> None:
    shown, _seams = _session(CameraMove.PAN_LEFT, 0.5, [FRAMES - 3, FRAMES - 3])
    steps = [step[1] for step in _steps(shown)]
    assert all(step <= 0 for step in steps)
    assert shown[-1].cx < shown[0].cx - 0.05


def test_orbit_keeps_turning_across_chains() -> None:
    first = _first(CameraMove.ORBIT, 0.5, chains=3)
    second = plan_next(first, FRAMES - 1, last=False)
    third = plan_next(second, FRAMES - 1, last=True)
    headings = [path.motion_at(FRAMES - 1)[1] for path in (first, second, third)]
    assert headings == sorted(headings)
    # A quarter turn per clip at cruise speed, less while easing in and out.
    assert headings[-1] - first.heading == pytest.approx(math.pi / 2 * 2.5, rel=0.02)


def test_pull_out_starts_far_enough_in_to_pull_back_for_the_whole_session() -> None:
    one = initial_pose(CameraMove.PULL_OUT, 0.5, duration_s=SECONDS, frame_count=FRAMES)
    three = initial_pose(CameraMove.PULL_OUT, 0.5, duration_s=SECONDS, frame_count=FRAMES, chains=3)
    assert 1.0 < one.zoom < three.zoom <= MAX_ZOOM
    assert _first(CameraMove.PULL_OUT, 0.5).end.zoom < 1.05
    shown, _seams = _session(CameraMove.PULL_OUT, 0.5, [FRAMES - 3, FRAMES - 3])
    zooms = [pose.zoom for pose in shown]
    assert zooms == sorted(zooms, reverse=True) and zooms[-1] < 1.05


def test_exhausted_move_hands_over_to_a_drift() -> None:
    at_full_frame = _first(CameraMove.PULL_OUT, 0.5, start=IDENTITY)
    assert at_full_frame.drift_from_frame == 0
    assert at_full_frame.end.zoom > 1.0  # the drift pushes in gently instead
    pushed = _first(CameraMove.PUSH_IN, 0.5, chains=3, start=CameraPose(MAX_ZOOM * 0.98))
    assert pushed.drift_from_frame is not None
    assert pushed.end.zoom <= MAX_ZOOM
    assert (pushed.end.cx, pushed.end.cy) != (0.5, 0.5)  # drifting sideways now


def test_hand_over_to_a_drift_keeps_the_camera_gliding() -> None:
    shown, _seams = _session(CameraMove.PUSH_IN, 1.0, [FRAMES - 3] * 7)
    speeds = _speeds(shown)
    cruise = max(speeds)
    cruising = speeds[FRAMES:-FRAMES]
    assert min(cruising) > 0.1 * cruise
    assert max(abs(b - a) for a, b in itertools.pairwise(speeds)) < 0.1 * cruise
    assert shown[-1].zoom == pytest.approx(MAX_ZOOM, rel=0.01)
    assert shown[-1].cx != pytest.approx(0.5, abs=1e-3)


def test_path_survives_a_json_round_trip() -> None:
    first = _first(CameraMove.ORBIT, 0.7, chains=3, start=CameraPose(1.3, 0.45, 0.52))
    path = plan_next(first, 44, last=True)
    restored = CameraPath.from_dict(json.loads(json.dumps(path.to_dict())))
    assert restored == path
    assert restored.poses == path.poses
