"""Aiming the Local Preview camera at the subject: where it is, and how moves head for it.

The subject's position comes from where the still's detail sits (the offline
analysis's own measure, ``vision.detail``), turned into a ``FocusPoint`` in
base-frame coordinates by the Local backend. Push-ins and pull-outs keep the
view centre drawn to it as they zoom; pans and tilts stop on it when it lies
ahead and drift toward it on the other axis. Every pull is capped by the room
the zoom leaves, so the view never leaves the picture.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CENTRING = 24.0
"""How strongly a move draws the view to the subject: after one clip's worth of the
move, e^-24 of the distance is left, and a subject the zoom is still making room
for is followed half a hundredth of the frame behind."""


@dataclass(frozen=True)
class FocusPoint:
    """Where the subject is, in base-frame coordinates (0..1 on each axis, y down)."""

    x: float
    y: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.x <= 1.0 and 0.0 <= self.y <= 1.0):
            raise ValueError(f"a focus point lies within 0..1, not ({self.x}, {self.y})")

    def seen_from(self, zoom: float, cx: float, cy: float) -> FocusPoint:
        """The same point in the coordinates of the view ``(zoom, cx, cy)`` (the seed
        frame's own picture), kept to its edges when the view does not show it."""
        return FocusPoint(
            min(max(0.5 + (self.x - cx) * zoom, 0.0), 1.0),
            min(max(0.5 + (self.y - cy) * zoom, 0.0), 1.0),
        )

    def to_dict(self) -> dict[str, float]:
        return {"x": self.x, "y": self.y}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> FocusPoint | None:
        return None if data is None else cls(float(data["x"]), float(data["y"]))


def reachable(target: float, zoom: float) -> float:
    """The view centre nearest ``target`` whose view at ``zoom`` stays in the picture."""
    half = 0.5 / zoom
    return min(max(target, half), 1.0 - half)


def goal_share(position: float, goal: float, speed: float, zoom: float, brake: float) -> float:
    """0..1: how much of a pan's ``speed`` (signed, one axis) may go on before the subject.

    It brakes as smoothly as at a wall and stops on the subject (or as near as
    the picture allows). A subject well behind the pan does not hold it back:
    a pan away from the subject keeps going, as asked.
    """
    if speed == 0.0:
        return 1.0
    ahead = math.copysign(1.0, speed)
    reach = brake * abs(speed)
    if (goal - position) * ahead < -reach:
        return 1.0
    # Where the zoom does not yet leave room for the subject, its nearest reachable
    # place is the stop: the walls there make the move zoom in for more room.
    distance = (reachable(goal, zoom) - position) * ahead
    t = min(max(distance / reach, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)
