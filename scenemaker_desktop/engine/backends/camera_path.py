"""How the Local Preview camera moves through a whole session, one clip at a time.

The camera's state is (log zoom, view centre x, y, heading). A move is a
velocity field over that state (``camera.velocity``), the session's easing scales it
(``Easing``), and the state is integrated frame by frame (RK4, fixed steps).
Both depend only on the state and on *session time* (frames since the first
chain began), so a chain that starts from the previous chain's state at its
seed frame carries on the very same motion: no stop, no jump and no change of
speed at the seams of final.mp4. Only the first chain eases in and only the
last eases out; a one-chain session eases in and out within its clip.

Limits are soft: a move slows down smoothly as it nears MAX_ZOOM, full frame or
an image edge, and once it has all but stopped it "gives out": a drift fades
in and carries on for the rest of the session, turning away from the edges, so
the camera never freezes and never leaves the image.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from scenemaker_desktop.engine.backends.camera import (
    IDENTITY,
    MAX_ZOOM,
    CameraMove,
    CameraPose,
    Drive,
    State,
    clamp_state,
    initial_heading,
    smoothstep,
    velocity,
)
from scenemaker_desktop.engine.backends.camera_aim import FocusPoint, reachable

STEPS_PER_FRAME = 2
EASE_SHARE = 0.5  # of a clip: the first chain reaches cruise speed halfway, the last stops likewise
FADE_SHARE = 0.5  # of a clip: how long the drift takes to take over from a move that gave out
STALL = 0.8  # a move held below this share of its speed by a limit gives out: the drift fades in


@dataclass(frozen=True)
class Easing:
    """How speed ramps over session time (in frames): up at the start, down at the end."""

    span: int
    """Frames in one clip, minus one."""
    single: bool = False
    """A one-chain session: ease in and out within the clip (smootherstep)."""
    ease_in_at: float = 0.0
    ease_out_at: float | None = None
    """Session frame where the last chain starts slowing down (None: not the last)."""

    def weight(self, frame: float) -> float:
        """Speed at session ``frame`` as a share of cruise speed."""
        if self.single:
            u = (frame - self.ease_in_at) / self.span
            return 30.0 * u * u * (1.0 - u) * (1.0 - u) if 0.0 < u < 1.0 else 0.0
        length = EASE_SHARE * self.span
        weight = smoothstep((frame - self.ease_in_at) / length)
        if self.ease_out_at is not None:
            weight *= 1.0 - smoothstep((frame - self.ease_out_at) / length)
        return weight

    def to_dict(self) -> dict[str, Any]:
        return {
            "single": self.single,
            "ease_in_at": self.ease_in_at,
            "ease_out_at": self.ease_out_at,
        }

    @classmethod
    def from_dict(cls, span: int, data: Mapping[str, Any]) -> Easing:
        out = data.get("ease_out_at")
        return cls(
            span=span,
            single=bool(data.get("single", False)),
            ease_in_at=float(data.get("ease_in_at", 0.0)),
            ease_out_at=None if out is None else float(out),
        )


@dataclass(frozen=True)
class CameraPath:
    """One clip's camera motion: enough to recompute every frame's pose exactly."""

    move: CameraMove
    """The move asked for; a drift may have taken over (see ``gave_out_at``)."""
    strength: float
    duration_s: float
    frame_count: int
    start: CameraPose
    heading: float
    """Direction of lateral travel in radians (screen axes, y down) at frame 0."""
    session_frame: float
    """Session time of frame 0: frames since the first chain began."""
    easing: Easing
    gave_out_at: float | None = None
    """Session frame at which the move ran out of room and the drift began to take over."""
    focus: FocusPoint | None = None
    """Where the subject is (base-frame coordinates), if the picture has one: aimed moves
    head for it."""

    @functools.cached_property
    def drive(self) -> Drive:
        return Drive.of(self.move, self.strength, self.duration_s, self.frame_count)

    @functools.cached_property
    def _drift(self) -> Drive:
        """What takes over from a move that gave out."""
        drift = Drive.of(CameraMove.DRIFT, self.strength, self.duration_s, self.frame_count)
        if self.focus is not None and self.drive.heading is not None:
            # A pan that reached its subject settles on it (a push-in at the
            # drift's slow pace, centred on the subject) instead of wandering off.
            return replace(drift, move=CameraMove.PUSH_IN, speed=0.0, turn=0.0)
        return drift

    @functools.cached_property
    def _frames(self) -> tuple[tuple[State, float | None], ...]:
        """(state, gave_out_at) for every frame, integrated from frame 0."""
        state: State = (math.log(self.start.zoom), self.start.cx, self.start.cy, self.heading)
        gave_out = self._given_out(state, self.session_frame, self.gave_out_at)
        step = 1.0 / STEPS_PER_FRAME
        frames = [(state, gave_out)]
        for frame in range(1, self.frame_count):
            for sub in range(STEPS_PER_FRAME):
                time = self.session_frame + frame - 1 + sub * step
                state = clamp_state(self._rk4(state, time, step, gave_out))
                gave_out = self._given_out(state, time + step, gave_out)
            frames.append((state, gave_out))
        return tuple(frames)

    def _given_out(self, state: State, time: float, gave_out: float | None) -> float | None:
        """When the move gave out: ``gave_out`` if it already has, ``time`` if it just did."""
        if gave_out is not None or self.move in (CameraMove.ORBIT, CameraMove.DRIFT):
            return gave_out  # an orbit turns and a drift steers: neither runs out of room
        return time if velocity(self.drive, state, self.focus)[1] < STALL else None

    def _rk4(self, state: State, time: float, step: float, gave_out: float | None) -> State:
        k1 = self._velocity(state, time, gave_out)
        k2 = self._velocity(_moved(state, k1, step / 2), time + step / 2, gave_out)
        k3 = self._velocity(_moved(state, k2, step / 2), time + step / 2, gave_out)
        k4 = self._velocity(_moved(state, k3, step), time + step, gave_out)
        return tuple(  # type: ignore[return-value]
            s + step / 6.0 * (a + 2.0 * b + 2.0 * c + d)
            for s, a, b, c, d in zip(state, k1, k2, k3, k4, strict=True)
        )

    def _velocity(self, state: State, time: float, gave_out: float | None) -> State:
        weight = self.easing.weight(time)
        if weight == 0.0:
            return (0.0, 0.0, 0.0, 0.0)
        share = self._drift_share(time, gave_out)
        own = velocity(self.drive, state, self.focus)[0] if share < 1.0 else (0.0, 0.0, 0.0, 0.0)
        drift = velocity(self._drift, state, self.focus)[0] if share > 0.0 else (0.0, 0.0, 0.0, 0.0)
        return tuple(  # type: ignore[return-value]
            weight * ((1.0 - share) * a + share * b) for a, b in zip(own, drift, strict=True)
        )

    def _drift_share(self, time: float, gave_out: float | None) -> float:
        if self.move is CameraMove.DRIFT:
            return 1.0
        if gave_out is None or time <= gave_out:
            return 0.0
        return smoothstep((time - gave_out) / (FADE_SHARE * self.easing.span))

    def motion_at(self, index: int) -> tuple[CameraPose, float, float | None]:
        """(pose, heading, gave_out_at) at frame ``index`` (clamped to the clip)."""
        index = min(max(index, 0), self.frame_count - 1)
        if index == 0:
            return self.start, self.heading, self.gave_out_at
        (log_zoom, x, y, heading), gave_out = self._frames[index]
        return CameraPose(math.exp(log_zoom), x, y), heading, gave_out

    def pose_at_frame(self, index: int) -> CameraPose:
        return self.motion_at(index)[0]

    @functools.cached_property
    def poses(self) -> tuple[CameraPose, ...]:
        return tuple(self.pose_at_frame(i) for i in range(self.frame_count))

    @property
    def end(self) -> CameraPose:
        return self.poses[-1]

    @property
    def drift_from_frame(self) -> int | None:
        """The first frame of this clip on which the drift has begun to take over, if any."""
        gave_out = self._frames[-1][1]
        return None if gave_out is None else max(0, math.ceil(gave_out - self.session_frame))

    def to_dict(self) -> dict[str, Any]:
        return {
            "move": self.move.value,
            "motion_strength": self.strength,
            "clip_seconds": self.duration_s,
            "frame_count": self.frame_count,
            "start_pose": self.start.to_dict(),
            "heading": self.heading,
            "session_frame": self.session_frame,
            "easing": self.easing.to_dict(),
            "gave_out_at": self.gave_out_at,
            "focus": None if self.focus is None else self.focus.to_dict(),
            # For people reading session.json; the path is recomputed from the above.
            "end_pose": self.end.to_dict(),
            "drift_from_frame": self.drift_from_frame,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CameraPath:
        frame_count = int(data["frame_count"])
        if frame_count < 1:
            raise ValueError(f"frame_count must be at least 1, not {frame_count}")
        gave_out = data.get("gave_out_at")
        return cls(
            move=CameraMove(data["move"]),
            strength=float(data["motion_strength"]),
            duration_s=float(data["clip_seconds"]),
            frame_count=frame_count,
            start=CameraPose.from_dict(data["start_pose"]),
            heading=float(data.get("heading", 0.0)),
            session_frame=float(data.get("session_frame", 0.0)),
            easing=Easing.from_dict(max(frame_count - 1, 1), data.get("easing", {})),
            gave_out_at=None if gave_out is None else float(gave_out),
            focus=FocusPoint.from_dict(data.get("focus")),
        )


def _moved(state: State, velocity: State, step: float) -> State:
    return tuple(s + step * v for s, v in zip(state, velocity, strict=True))  # type: ignore[return-value]


def initial_pose(
    move: CameraMove,
    strength: float,
    *,
    duration_s: float,
    frame_count: int,
    chains: int = 1,
    focus: FocusPoint | None = None,
) -> CameraPose:
    """Chain 0's start: the whole image, except a pull-out, which needs room to pull back.

    A pull-out starts close enough to keep pulling for the whole session (up to
    MAX_ZOOM), with its braking distance to spare: it ends gliding, not braking;
    it starts on the subject, as near as the picture allows.
    """
    if move is not CameraMove.PULL_OUT:
        return IDENTITY
    drive = Drive.of(move, strength, duration_s, frame_count)
    span = max(frame_count - 1, 1)
    cruise = span if chains <= 1 else span * (chains - EASE_SHARE)
    zoom = min(max(math.exp(abs(drive.zoom) * (cruise + drive.brake)), 1.0), MAX_ZOOM)
    if focus is None:
        return CameraPose(zoom).clamped()
    return CameraPose(zoom, reachable(focus.x, zoom), reachable(focus.y, zoom)).clamped()


def plan_first(
    move: CameraMove,
    strength: float,
    *,
    duration_s: float,
    frame_count: int,
    chains: int = 1,
    start: CameraPose | None = None,
    focus: FocusPoint | None = None,
) -> CameraPath:
    """The path of a session's first clip (or of a fresh start ``chains`` from the end).

    One chain eases in and out; with more, the clip eases in and ends at cruise speed.
    """
    span = max(frame_count - 1, 1)
    if start is None:
        start = initial_pose(
            move,
            strength,
            duration_s=duration_s,
            frame_count=frame_count,
            chains=chains,
            focus=focus,
        )
    return CameraPath(
        move=move,
        strength=min(max(strength, 0.1), 1.0),
        duration_s=float(duration_s),
        frame_count=frame_count,
        start=start.clamped(),
        heading=initial_heading(move),
        session_frame=0.0,
        easing=Easing(span, single=chains <= 1),
        focus=focus,
    )


def plan_next(
    previous: CameraPath,
    seed_index: int,
    *,
    last: bool,
    frame_count: int | None = None,
    from_seed_frame: bool = False,
) -> CameraPath:
    """The path of the clip seeded by frame ``seed_index`` of ``previous``'s clip.

    It continues the previous motion from that frame on: same pose, same speed
    and direction, same subject; the last chain slows to a stop. A clip
    rendered ``from_seed_frame`` (the seed frame as its picture) starts on the
    whole of that picture, with the subject where the seed frame shows it.
    """
    pose, heading, gave_out = previous.motion_at(seed_index)
    focus = previous.focus
    if from_seed_frame and focus is not None:
        focus = focus.seen_from(pose.zoom, pose.cx, pose.cy)
    frames = previous.frame_count if frame_count is None else frame_count
    span = max(frames - 1, 1)
    session_frame = previous.session_frame + min(max(seed_index, 0), previous.frame_count - 1)
    # A session planned as one chain has already stopped: ease in again from here.
    ease_in_at = session_frame if previous.easing.single else previous.easing.ease_in_at
    ease_out_at = session_frame + span * (1.0 - EASE_SHARE) if last else None
    return CameraPath(
        move=previous.move,
        strength=previous.strength,
        duration_s=previous.duration_s,
        frame_count=frames,
        start=IDENTITY if from_seed_frame else pose.clamped(),
        heading=heading,
        session_frame=session_frame,
        easing=Easing(span, ease_in_at=ease_in_at, ease_out_at=ease_out_at),
        gave_out_at=gave_out,
        focus=focus,
    )
