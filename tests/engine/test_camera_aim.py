"""Camera moves aimed at the subject: push-ins centre on it, pans stop on it, smoothly."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from scenemaker_desktop.engine.backends.camera import CameraMove, CameraPose
from scenemaker_desktop.engine.backends.camera_aim import FocusPoint, reachable
from scenemaker_desktop.engine.backends.camera_path import CameraPath, plan_first, plan_next

FRAMES = 48
SECONDS = 2


def _first(
    move: CameraMove, focus: FocusPoint | None, strength: float = 0.5, chains: int = 1
) -> CameraPath:
    return plan_first(
        move, strength, duration_s=SECONDS, frame_count=FRAMES, chains=chains, focus=focus
    )


def _session(move: CameraMove, focus: FocusPoint, strength: float, clips: int) -> list[CameraPose]:
    path = _first(move, focus, strength, chains=clips)
    shown: list[CameraPose] = []
    for number in range(1, clips):
        shown += path.poses[: FRAMES - 3]
        path = plan_next(path, FRAMES - 3, last=number == clips - 1)
    return [*shown, *path.poses]


def test_push_in_on_an_off_centre_subject_ends_centred_on_it() -> None:
    subject = FocusPoint(0.45, 0.56)
    end = _first(CameraMove.PUSH_IN, subject, strength=1.0).end
    assert end.zoom == pytest.approx(1.18, rel=1e-3)  # 2 s at full strength
    assert (end.cx, end.cy) == pytest.approx((0.45, 0.56), abs=0.002)


def test_push_in_on_a_subject_near_the_edge_ends_as_near_as_the_picture_allows() -> None:
    end = _first(CameraMove.PUSH_IN, FocusPoint(0.1, 0.95)).end
    target = (reachable(0.1, end.zoom), reachable(0.95, end.zoom))
    assert (end.cx, end.cy) == pytest.approx(target, abs=0.01)
    half = 0.5 / end.zoom
    assert half <= end.cx and end.cy <= 1.0 - half  # still inside the picture


def test_push_in_without_a_subject_heads_for_the_middle() -> None:
    end = _first(CameraMove.PUSH_IN, None).end
    assert (end.cx, end.cy) == (0.5, 0.5)


def test_pull_out_starts_on_the_subject() -> None:
    path = _first(CameraMove.PULL_OUT, FocusPoint(0.4, 0.6))
    start = path.start
    assert start.zoom > 1.1
    assert (start.cx, start.cy) == pytest.approx(
        (reachable(0.4, start.zoom), reachable(0.6, start.zoom))
    )
    assert path.end.zoom < start.zoom


def test_pan_toward_the_subject_stops_on_it() -> None:
    subject = FocusPoint(0.62, 0.45)
    shown = _session(CameraMove.PAN_RIGHT, subject, 1.0, clips=4)
    xs = [pose.cx for pose in shown]
    assert max(xs) <= 0.62 + 1e-3  # never runs past it
    assert xs[-1] == pytest.approx(0.62, abs=0.01)
    assert shown[-1].cy == pytest.approx(reachable(0.45, shown[-1].zoom), abs=0.01)


def test_tilt_away_from_the_subject_still_goes_the_way_asked() -> None:
    end = _first(CameraMove.TILT_UP, FocusPoint(0.5, 0.8), strength=1.0).end
    assert end.cy < 0.5


@pytest.mark.parametrize(
    "move", [CameraMove.PUSH_IN, CameraMove.PULL_OUT, CameraMove.PAN_LEFT, CameraMove.TILT_DOWN]
)
def test_aimed_moves_change_smoothly_and_join_chains_without_a_pulse(move: CameraMove) -> None:
    shown = _session(move, FocusPoint(0.3, 0.7), 0.8, clips=3)
    steps = [
        (math.log(b.zoom / a.zoom), b.cx - a.cx, b.cy - a.cy) for a, b in itertools.pairwise(shown)
    ]
    for axis in range(3):
        values = [step[axis] for step in steps]
        biggest = max(abs(v) for v in values)
        if biggest > 1e-9:
            jerk = max(abs(b - a) for a, b in itertools.pairwise(values))
            assert jerk < 0.25 * biggest, (move, axis)


def test_a_clip_from_the_seed_frame_aims_where_the_seed_frame_shows_the_subject() -> None:
    first = _first(CameraMove.PUSH_IN, FocusPoint(0.3, 0.4), chains=2)
    pose = first.pose_at_frame(40)
    second = plan_next(first, 40, last=True, from_seed_frame=True)
    assert second.start == CameraPose()
    expected = (0.5 + (0.3 - pose.cx) * pose.zoom, 0.5 + (0.4 - pose.cy) * pose.zoom)
    assert second.focus is not None
    assert (second.focus.x, second.focus.y) == pytest.approx(expected)


def test_the_subject_survives_a_json_round_trip() -> None:
    path = plan_next(_first(CameraMove.PAN_LEFT, FocusPoint(0.25, 0.5), chains=2), 44, last=True)
    restored = CameraPath.from_dict(json.loads(json.dumps(path.to_dict())))
    assert restored == path
    assert restored.poses == path.poses
