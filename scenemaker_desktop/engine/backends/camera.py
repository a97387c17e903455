"""Camera moves for the Local Preview generator: which move, what a pose is, how moves push.

A pose says where the virtual camera looks inside the *base frame* (the source
image cropped to the output aspect): ``zoom`` >= 1 magnifies and ``cx``/``cy``
is the centre of the view in base-frame coordinates (0..1 on each axis), so
the view covers ``1/zoom`` of the base frame on each axis.

Each move is a velocity field over the camera state (log zoom, centre,
heading) that slows smoothly near the limits (``velocity``); ``camera_path``
integrates it over a session, clip by clip.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scenemaker_desktop.engine.backends.camera_aim import (
    CENTRING,
    FocusPoint,
    goal_share,
    reachable,
)


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


def smoothstep(t: float) -> float:
    """The gentler cubic ease: zero slope (not curvature) at 0 and 1; clamped outside."""
    t = min(max(t, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


# How each move pushes the camera. Speeds are per frame, so a clip is one unit of
# travel whatever its frame rate; every limit is approached with a smooth brake.

BRAKE_SHARE = 0.25  # of a clip's travel time: how early a move starts slowing before a limit
LOG_MAX_ZOOM = math.log(MAX_ZOOM)
_DRIFT_HEADING = -0.35  # a little right and up: reads as calm, not as a pan
_ORBIT_SQUASH = 0.6  # vertical radius relative to horizontal: an ellipse, not a circle
_ORBIT_TURN = math.pi / 2  # per clip, as the orbit always did
_DRIFT_TURN = 2 * math.pi  # per clip when fully blocked: a quarter turn in a quarter clip

AIMED_MOVES = frozenset(
    {
        CameraMove.PUSH_IN,
        CameraMove.PULL_OUT,
        CameraMove.PAN_LEFT,
        CameraMove.PAN_RIGHT,
        CameraMove.TILT_UP,
        CameraMove.TILT_DOWN,
    }
)

State = tuple[float, float, float, float]
"""(log zoom, cx, cy, heading): what the integrator carries."""


@dataclass(frozen=True)
class _Spec:
    zoom_rate: float
    """Zoom factor per clip is ``1 + zoom_rate * amount`` (negative for a pull-out)."""
    room_rate: float
    """Extra zoom per clip (times ``amount``) while a lateral move has no room ahead."""
    travel: float
    """Lateral travel per clip in view widths, times ``amount``."""
    heading: float | None
    """Fixed direction (screen axes, y down), or None when the carried heading steers."""


_SPECS = {
    CameraMove.PUSH_IN: _Spec(0.45, 0.0, 0.0, None),
    CameraMove.PULL_OUT: _Spec(-0.45, 0.0, 0.0, None),
    CameraMove.PAN_LEFT: _Spec(0.08, 1.0, 0.3, math.pi),
    CameraMove.PAN_RIGHT: _Spec(0.08, 1.0, 0.3, 0.0),
    CameraMove.TILT_UP: _Spec(0.08, 1.0, 0.3, -math.pi / 2),
    CameraMove.TILT_DOWN: _Spec(0.08, 1.0, 0.3, math.pi / 2),
    CameraMove.ORBIT: _Spec(0.1, 0.5, 0.25, None),
    CameraMove.DRIFT: _Spec(0.1, 0.2, 0.08, None),
}


def clip_amount(strength: float, duration_s: float) -> float:
    """How far a clip moves: motion strength scaled by length (5 s is the reference)."""
    return min(max(strength, 0.1), 1.0) * max(duration_s, 0.5) / 5.0


@dataclass(frozen=True)
class Drive:
    """One move's speeds per frame (at cruise) for a strength and clip length."""

    move: CameraMove
    zoom: float
    """Log zoom per frame."""
    room_zoom: float
    """Extra log zoom per frame while the lateral motion has no room ahead."""
    speed: float
    """Lateral speed in view widths per frame."""
    heading: float | None
    turn: float
    """Heading change per frame: the orbit's steady turn, the drift's turn when blocked."""
    brake: float
    """Frames: a move slows once a limit is nearer than this much of its own travel."""
    centring: float
    """Share of the way to the subject covered per frame of full progress (aimed moves)."""

    @classmethod
    def of(cls, move: CameraMove, strength: float, duration_s: float, frame_count: int) -> Drive:
        spec = _SPECS[move]
        span = max(frame_count - 1, 1)
        amount = clip_amount(strength, duration_s)
        zoom = math.copysign(math.log1p(abs(spec.zoom_rate) * amount), spec.zoom_rate)
        turn = {CameraMove.ORBIT: _ORBIT_TURN, CameraMove.DRIFT: _DRIFT_TURN}.get(move, 0.0)
        return cls(
            move=move,
            zoom=zoom / span,
            room_zoom=math.log1p(spec.room_rate * amount) / span,
            speed=spec.travel * amount / span,
            heading=spec.heading,
            turn=turn / span,
            brake=BRAKE_SHARE * span,
            centring=CENTRING / span,
        )


def _wall(offset: float, speed: float, room: float, brake: float) -> float:
    """0..1: how much of ``speed`` (signed, one axis) may go on at ``offset`` from the middle."""
    if speed == 0.0:
        return 1.0
    distance = room - (offset if speed > 0 else -offset)
    return smoothstep(distance / (brake * abs(speed)))


def _zoom_room(log_zoom: float, rate: float, brake: float) -> float:
    if rate == 0.0:
        return 1.0
    distance = LOG_MAX_ZOOM - log_zoom if rate > 0 else log_zoom
    return smoothstep(distance / (brake * abs(rate)))


def _steer(heading: float, x: float, y: float, blocked: float) -> float:
    """How fast a blocked drift turns toward the middle of the image (radians per turn unit)."""
    if blocked <= 0.0 or math.hypot(0.5 - x, 0.5 - y) < 1e-9:
        return 0.0
    delta = math.atan2(0.5 - y, 0.5 - x) - heading
    # sin alone is zero when heading straight away from the middle (into a wall);
    # the cosine term breaks that tie and still settles only on delta == 0.
    return blocked * (math.sin(delta) + 0.5 * (1.0 - math.cos(delta)))


def velocity(drive: Drive, state: State, focus: FocusPoint | None = None) -> tuple[State, float]:
    """The drive's velocity at ``state`` within the limits, and the share of its intent left.

    With a ``focus``, push-ins, pull-outs, pans and tilts aim at the subject
    (``camera_aim``); orbits and drifts wander as before.
    """
    log_zoom, x, y, heading = state
    zoom = math.exp(log_zoom)
    room = 0.5 - 0.5 / zoom
    angle = heading if drive.heading is None else drive.heading
    squash = _ORBIT_SQUASH if drive.move is CameraMove.ORBIT else 1.0
    vx = drive.speed / zoom * math.cos(angle)
    vy = drive.speed / zoom * math.sin(angle) * squash
    fx = _wall(x - 0.5, vx, room, drive.brake)
    fy = _wall(y - 0.5, vy, room, drive.brake)
    ahead = min(fx, fy)
    aim = focus if drive.move in AIMED_MOVES else None
    if aim is not None:
        # A pan stops on the subject ahead of it; the walls still decide when to zoom.
        fx = min(fx, goal_share(x, aim.x, vx, zoom, drive.brake))
        fy = min(fy, goal_share(y, aim.y, vy, zoom, drive.brake))
    wanted = drive.zoom + drive.room_zoom * (1.0 - ahead)
    dz = wanted * _zoom_room(log_zoom, wanted, drive.brake)
    # Zooming out shrinks the room; keep the centre's share of it so the view stays inside.
    pull = 0.5 / zoom * dz / room if dz < 0.0 and room > 1e-12 else 0.0
    dx = vx * fx + (x - 0.5) * pull
    dy = vy * fy + (y - 0.5) * pull
    if aim is not None:
        cx, cy = _centring(drive, aim, state, abs(dz), math.hypot(vx * fx, vy * fy) * zoom)
        dx, dy = dx + cx, dy + cy
    if drive.move is CameraMove.DRIFT:
        turn = drive.turn * _steer(angle, x, y, 1.0 - ahead)
    else:
        turn = drive.turn
    # Zoom that makes room for a pan counts as progress: it is how a pan starts.
    intended = abs(drive.zoom) + drive.speed
    achieved = abs(dz) + zoom * math.hypot(vx * fx, vy * fy)
    return (dz, dx, dy, turn), (min(achieved / intended, 1.0) if intended > 0.0 else 1.0)


def _centring(
    drive: Drive, focus: FocusPoint, state: State, zooming: float, travelling: float
) -> tuple[float, float]:
    """The pull toward the subject, in step with the move's own progress.

    Tied to progress, it eases in and out with the move and carries across
    chains like the rest of the motion. A zoom centres both axes; a pan or a
    tilt only the axis it does not travel along (its own axis stops on the subject).
    """
    log_zoom, x, y, _heading = state
    zoom = math.exp(log_zoom)
    if drive.heading is None:
        progress = zooming / abs(drive.zoom) if drive.zoom else 0.0
        axes = (1.0, 1.0)
    else:
        progress = travelling / drive.speed if drive.speed else 0.0
        across = abs(math.sin(drive.heading))  # 0 for a pan, 1 for a tilt
        axes = (across, 1.0 - across)
    rate = drive.centring * progress
    return (
        rate * axes[0] * (reachable(focus.x, zoom) - x),
        rate * axes[1] * (reachable(focus.y, zoom) - y),
    )


def clamp_state(state: State) -> State:
    """Absorb integration rounding: zoom within [1, MAX_ZOOM], the view inside the image."""
    log_zoom = min(max(state[0], 0.0), LOG_MAX_ZOOM)
    room = 0.5 - 0.5 / math.exp(log_zoom)
    x = min(max(state[1], 0.5 - room), 0.5 + room)
    y = min(max(state[2], 0.5 - room), 0.5 + room)
    return (log_zoom, x, y, state[3])


def initial_heading(move: CameraMove) -> float:
    """Where lateral travel heads first (a drift that takes over later starts this way too)."""
    spec = _SPECS[move]
    if spec.heading is not None:
        return spec.heading
    return 0.0 if move is CameraMove.ORBIT else _DRIFT_HEADING
