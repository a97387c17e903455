"""Camera moves for the Local Preview generator: data and math, no I/O.

A pose says where the virtual camera looks inside the *base frame* (the source
image cropped to the output aspect): ``zoom`` ≥ 1 magnifies and ``cx``/``cy``
is the centre of the view in base-frame coordinates (0..1 on each axis), so
the view covers ``1/zoom`` of the base frame on each axis.

A clip follows a ``CameraPath`` from a start pose to an end pose, eased with
smootherstep (zero velocity and acceleration at both ends, so clips join
without a jolt). Zoom is interpolated geometrically, which reads as a steady
push; the centre linearly. Both ends are clamped inside the image, and because
the room a view has at zoom ``z`` (``0.5 - 0.5/z``) is concave along the path,
every pose in between is inside too; only the orbit's arc needs checking.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class CameraMove(enum.Enum):
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"
    ORBIT = "orbit"
    """Orbit-like parallax drift: a gentle elliptical arc with a slight zoom."""
    DRIFT = "drift"
    """The gentle default: a slow push with a slight lateral drift."""


MAX_ZOOM = 2.5
"""Continued pushes stop here: beyond it the source would be magnified too far."""

# Words naming the camera itself beat words describing the subject: in
# "the camera pans left as she walks toward us" the artist asked for a pan.
_CAMERA_WORDS: tuple[tuple[CameraMove, str], ...] = (
    (CameraMove.PUSH_IN, r"push(?:es|ing)? in|zoom(?:s|ing)? in|dolly(?:ing)? in"),
    (CameraMove.PULL_OUT, r"pull(?:s|ing)? (?:out|back)|zoom(?:s|ing)? out|dolly(?:ing)? out"),
    (CameraMove.PAN_LEFT, r"pan(?:s|ning)? (?:to the )?left"),
    (CameraMove.PAN_RIGHT, r"pan(?:s|ning)? (?:to the )?right"),
    (CameraMove.TILT_UP, r"tilt(?:s|ing)? up"),
    (CameraMove.TILT_DOWN, r"tilt(?:s|ing)? down"),
    (CameraMove.ORBIT, r"orbit(?:s|ing)?"),
)
_SUBJECT_WORDS: tuple[tuple[CameraMove, str], ...] = (
    (
        CameraMove.PUSH_IN,
        r"approach(?:es|ing)?|closer|(?:walk|mov|step|run|come|head)(?:s|es|ing|ed)? "
        r"(?:toward|towards|forward)|lean(?:s|ing)? in|advanc(?:e|es|ing)",
    ),
    (
        CameraMove.PULL_OUT,
        r"reveal(?:s|ing)?|(?:walk|mov|run|back|drift)(?:s|es|ing|ed)? away|"
        r"retreat(?:s|ing)?|reced(?:e|es|ing)|step(?:s|ping)? back",
    ),
    (CameraMove.PAN_LEFT, r"left|leftwards?"),
    (CameraMove.PAN_RIGHT, r"right|rightwards?"),
    (
        CameraMove.TILT_UP,
        r"ris(?:e|es|ing)|rose|look(?:s|ing)? up|gaz(?:e|es|ing) up|climb(?:s|ing)?|"
        r"ascend(?:s|ing)?|(?:fly|flies|flying|soar|soars|soaring) up|upwards?",
    ),
    (
        CameraMove.TILT_DOWN,
        r"look(?:s|ing)? down|gaz(?:e|es|ing) down|fall(?:s|ing)?|descend(?:s|ing)?|"
        r"sink(?:s|ing)?|kneel(?:s|ing)?|sit(?:s|ting)? down|downwards?",
    ),
    (CameraMove.ORBIT, r"circl(?:e|es|ing)|around|revolv(?:e|es|ing)|spin(?:s|ning)?"),
)


def _compile(
    table: tuple[tuple[CameraMove, str], ...],
) -> tuple[tuple[CameraMove, re.Pattern[str]], ...]:
    return tuple(
        (move, re.compile(r"\b(?:" + words.replace(" ", r"\s+") + r")\b", re.IGNORECASE))
        for move, words in table
    )


_TIERS = (_compile(_CAMERA_WORDS), _compile(_SUBJECT_WORDS))


def choose_move(action_text: str) -> CameraMove:
    """Pick the camera move an action description implies (DRIFT when nothing does).

    Camera words win over subject words; within a tier the earliest phrase wins,
    since an action is usually described in the order it happens.
    """
    for tier in _TIERS:
        hits = [
            (m.start(), -len(m.group(0)), move)
            for move, rx in tier
            if (m := rx.search(action_text))
        ]
        if hits:
            return min(hits, key=lambda hit: (hit[0], hit[1]))[2]
    return CameraMove.DRIFT


@dataclass(frozen=True)
class CameraPose:
    """Where the camera looks: magnification and view centre in base-frame coordinates."""

    zoom: float = 1.0
    cx: float = 0.5
    cy: float = 0.5

    def __post_init__(self) -> None:
        if not (self.zoom >= 1.0 - 1e-9 and math.isfinite(self.zoom)):
            raise ValueError(f"zoom must be a finite number >= 1, not {self.zoom}")

    def clamped(self) -> CameraPose:
        """The nearest pose whose view lies fully inside the base frame."""
        zoom = min(max(self.zoom, 1.0), MAX_ZOOM)
        half = 0.5 / zoom
        return CameraPose(
            zoom=zoom,
            cx=min(max(self.cx, half), 1.0 - half),
            cy=min(max(self.cy, half), 1.0 - half),
        )

    def crop_box(self, width: float, height: float) -> tuple[float, float, float, float]:
        """The view as a float (left, top, right, bottom) box in a width×height image."""
        half = 0.5 / self.zoom
        return (
            (self.cx - half) * width,
            (self.cy - half) * height,
            (self.cx + half) * width,
            (self.cy + half) * height,
        )

    def to_dict(self) -> dict[str, float]:
        return {"zoom": self.zoom, "cx": self.cx, "cy": self.cy}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraPose:
        return cls(float(data["zoom"]), float(data["cx"]), float(data["cy"])).clamped()


IDENTITY = CameraPose()


def smootherstep(t: float) -> float:
    """Ken Perlin's ease-in-out: zero slope and curvature at 0 and 1."""
    t = min(max(t, 0.0), 1.0)
    return t * t * t * (t * (6.0 * t - 15.0) + 10.0)


@dataclass(frozen=True)
class CameraPath:
    """One clip's camera motion: everything needed to recompute the pose at any time."""

    move: CameraMove
    start: CameraPose
    end: CameraPose
    bulge: tuple[float, float] = (0.0, 0.0)
    """Sideways offset at mid-clip (base-frame units) that bends the orbit into an arc."""
    heading: float = 0.0
    """Direction of lateral travel in radians (screen axes, y down); carried to the next chain."""
    requested: CameraMove | None = None
    """The move asked for, when ``move`` is the drift that took over after it ran out of room."""

    def pose(self, t: float) -> CameraPose:
        """The pose at clip time ``t`` in [0, 1]."""
        # Clamping is a no-op by construction; it only absorbs float rounding.
        return CameraPose(*self.unclamped(t)).clamped()

    def unclamped(self, t: float) -> tuple[float, float, float]:
        """(zoom, cx, cy) at clip time ``t`` straight from the formula."""
        e = smootherstep(t)
        arc = 4.0 * e * (1.0 - e)
        zoom = math.exp(math.log(self.start.zoom) * (1.0 - e) + math.log(self.end.zoom) * e)
        cx = self.start.cx + (self.end.cx - self.start.cx) * e + self.bulge[0] * arc
        cy = self.start.cy + (self.end.cy - self.start.cy) * e + self.bulge[1] * arc
        return zoom, cx, cy

    @property
    def max_zoom(self) -> float:
        """The largest zoom on the path (zoom is monotonic between the ends)."""
        return max(self.start.zoom, self.end.zoom)

    def to_dict(self) -> dict[str, Any]:
        return {
            "move": self.move.value,
            "easing": "smootherstep",
            "start_pose": self.start.to_dict(),
            "end_pose": self.end.to_dict(),
            "bulge": list(self.bulge),
            "heading": self.heading,
            "requested_move": (self.requested or self.move).value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraPath:
        bulge = data.get("bulge", (0.0, 0.0))
        return cls(
            move=CameraMove(data["move"]),
            start=CameraPose.from_dict(data["start_pose"]),
            end=CameraPose.from_dict(data["end_pose"]),
            bulge=(float(bulge[0]), float(bulge[1])),
            heading=float(data.get("heading", 0.0)),
            requested=CameraMove(data.get("requested_move", data["move"])),
        )


@dataclass(frozen=True)
class _MoveSpec:
    zoom_rate: float
    """Zoom factor per clip is ``1 + zoom_rate * amount`` (negative for a pull-out)."""
    min_zoom_rate: float
    """Lateral moves reach at least ``1 + min_zoom_rate * amount`` so there is room to travel."""
    travel: float
    """Lateral travel per clip in view widths/heights, times ``amount``."""
    heading: float | None
    """Fixed direction of travel, or None when it is carried from chain to chain."""
    room_rate: float = 0.0
    """Extra zoom per clip (times ``amount``) a pan or tilt may take to keep room to travel."""


_SPECS = {
    CameraMove.PUSH_IN: _MoveSpec(0.45, 0.0, 0.0, 0.0),
    CameraMove.PULL_OUT: _MoveSpec(-0.45, 0.0, 0.0, 0.0),
    CameraMove.PAN_LEFT: _MoveSpec(0.08, 0.25, 0.3, math.pi, 0.5),
    CameraMove.PAN_RIGHT: _MoveSpec(0.08, 0.25, 0.3, 0.0, 0.5),
    CameraMove.TILT_UP: _MoveSpec(0.08, 0.25, 0.3, -math.pi / 2, 0.5),
    CameraMove.TILT_DOWN: _MoveSpec(0.08, 0.25, 0.3, math.pi / 2, 0.5),
    CameraMove.ORBIT: _MoveSpec(0.1, 0.2, 0.25, None),
    CameraMove.DRIFT: _MoveSpec(0.1, 0.0, 0.08, None),
}
_DRIFT_HEADING = -0.35  # a little right and up: reads as calm, not as a pan
_ORBIT_ECCENTRICITY = 0.6  # vertical radius relative to horizontal: an ellipse, not a circle
_ORBIT_SAGITTA = 0.2  # arc height / chord of a quarter ellipse, roughly
_STALL = 0.3  # a clip moving less than this share of its usual motion looks frozen


def clip_amount(strength: float, duration_s: float) -> float:
    """How far a clip moves: motion strength scaled by length (5 s is the reference)."""
    return min(max(strength, 0.1), 1.0) * max(duration_s, 0.5) / 5.0


def initial_pose(move: CameraMove, strength: float, *, duration_s: float = 5.0) -> CameraPose:
    """Chain 0's start: the whole image, except a pull-out, which needs somewhere to pull from."""
    if move is CameraMove.PULL_OUT:
        amount = clip_amount(strength, duration_s)
        return CameraPose(zoom=1.0 + _SPECS[move].zoom_rate * -amount).clamped()
    return IDENTITY


def plan_path(
    move: CameraMove,
    strength: float,
    start: CameraPose = IDENTITY,
    *,
    previous: CameraPath | None = None,
    duration_s: float = 5.0,
) -> CameraPath:
    """The path a clip follows from ``start`` for ``move``.

    ``previous`` is the last chain's path: when it made the same move, lateral
    travel keeps its heading (the orbit turns a quarter further). A move that
    has no room left (a pull-out at full frame, a pan at the edge, a push at
    MAX_ZOOM) becomes a drift toward the middle so the clip never freezes.
    """
    start = start.clamped()
    amount = clip_amount(strength, duration_s)
    if previous is not None and previous.requested is move and previous.move is not move:
        # The move ran out of room earlier: keep drifting on rather than
        # ping-ponging between a sliver of the move and a drift back.
        path = _planned(CameraMove.DRIFT, amount, start, previous)
    else:
        path = _planned(move, amount, start, previous)
    if _motion(path) < _STALL * _expected_motion(path.move, amount):
        path = _planned(CameraMove.DRIFT, amount, start, _inward_hint(start))
    return dataclasses.replace(path, requested=move)


def pose_at(
    move: CameraMove,
    t: float,
    strength: float,
    start: CameraPose = IDENTITY,
    *,
    previous: CameraPath | None = None,
    duration_s: float = 5.0,
) -> CameraPose:
    """The pose at clip time ``t`` in [0, 1] (see ``plan_path``)."""
    return plan_path(move, strength, start, previous=previous, duration_s=duration_s).pose(t)


def _planned(
    move: CameraMove, amount: float, start: CameraPose, previous: CameraPath | None
) -> CameraPath:
    spec = _SPECS[move]
    heading = _heading(move, spec, previous)
    zoom = _end_zoom(spec, amount, start, heading)
    squash = _ORBIT_ECCENTRICITY if move is CameraMove.ORBIT else 1.0
    step = spec.travel * amount / zoom
    dx, dy = step * math.cos(heading), step * math.sin(heading) * squash
    end = CameraPose(zoom, start.cx + dx, start.cy + dy).clamped()
    path = CameraPath(move, start, end, heading=heading)
    if move is not CameraMove.ORBIT:
        return path
    chord = (end.cx - start.cx, end.cy - start.cy)
    # Outward normal of a clockwise loop on screen (y down) is the chord turned -90°.
    bulge = (chord[1] * _ORBIT_SAGITTA, -chord[0] * _ORBIT_SAGITTA)
    return _fitted_bulge(path, bulge)


def _inward_hint(start: CameraPose) -> CameraPath | None:
    """A stand-in previous path that points a drift back toward the middle of the image."""
    dx, dy = 0.5 - start.cx, 0.5 - start.cy
    if math.hypot(dx, dy) < 1e-3:
        return None
    return CameraPath(CameraMove.DRIFT, start, start, heading=math.atan2(dy, dx))


def _end_zoom(spec: _MoveSpec, amount: float, start: CameraPose, heading: float) -> float:
    if spec.zoom_rate < 0:
        return max(start.zoom / (1.0 - spec.zoom_rate * amount), 1.0)
    zoom = max(start.zoom * (1.0 + spec.zoom_rate * amount), 1.0 + spec.min_zoom_rate * amount)
    if spec.room_rate > 0:
        # A pan near the edge has nowhere to go; pushing in a little more (capped
        # per clip) opens room so the pan can keep its direction for a few chains.
        ahead = (start.cx - 0.5) * math.cos(heading) + (start.cy - 0.5) * math.sin(heading)
        needed = (spec.travel * amount + 0.5) / max(0.5 - ahead, 1e-6)
        zoom = max(zoom, min(needed, start.zoom * (1.0 + spec.room_rate * amount)))
    return min(zoom, MAX_ZOOM)


def _heading(move: CameraMove, spec: _MoveSpec, previous: CameraPath | None) -> float:
    if spec.heading is not None:
        return spec.heading
    if previous is None or previous.move is not move:
        return _DRIFT_HEADING if move is CameraMove.DRIFT else 0.0
    if move is CameraMove.ORBIT:
        return previous.heading + math.pi / 2
    return previous.heading


def _fitted_bulge(path: CameraPath, bulge: tuple[float, float]) -> CameraPath:
    """Shrink the arc until every pose on it is inside the image without clamping."""
    for scale in (1.0, 0.75, 0.5, 0.25, 0.0):
        candidate = CameraPath(
            path.move, path.start, path.end, (bulge[0] * scale, bulge[1] * scale), path.heading
        )
        if all(_inside(candidate, i / 32) for i in range(33)):
            return candidate
    return path  # not reached: with no arc the path is a straight line between valid ends


def _inside(path: CameraPath, t: float) -> bool:
    zoom, cx, cy = path.unclamped(t)
    room = 0.5 - 0.5 / zoom + 1e-9
    return abs(cx - 0.5) <= room and abs(cy - 0.5) <= room


def _expected_motion(move: CameraMove, amount: float) -> float:
    spec = _SPECS[move]
    return abs(math.log(1.0 + abs(spec.zoom_rate) * amount)) + spec.travel * amount


def _motion(path: CameraPath) -> float:
    """How much a path moves, in log-zoom plus view widths travelled."""
    travel = math.hypot(path.end.cx - path.start.cx, path.end.cy - path.start.cy)
    return abs(math.log(path.end.zoom / path.start.zoom)) + travel * path.max_zoom
