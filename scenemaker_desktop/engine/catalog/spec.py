"""What a model is, as data: its parameters, price, rules and timing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenemaker_desktop.engine.catalog.params import Param
from scenemaker_desktop.engine.catalog.pricing import Price

CrossRule = Callable[[Mapping[str, Any]], str | None]
"""Returns a user-facing complaint (without the model prefix) or None when the values fit."""


@dataclass(frozen=True)
class ClipTiming:
    """How long one clip lasts, read from the model's own parameters.

    Either a parameter holds the seconds (5, "5" or Luma's "5s"), or the clip is
    a number of frames played at a rate (WAN). ``typical_generation_seconds`` is
    how long the service usually takes to make a clip: fal reports no
    percentage, so progress is estimated from it.
    """

    seconds_param: str | None = None
    frames_param: str | None = None
    fps_param: str | None = None
    typical_generation_seconds: float = 90.0

    def seconds(self, values: Mapping[str, Any]) -> float:
        if self.frames_param and self.fps_param:
            return int(values[self.frames_param]) / int(values[self.fps_param])
        if self.seconds_param:
            return float(str(values[self.seconds_param]).rstrip("s"))
        raise ValueError("a clip timing needs a seconds parameter or frames and a rate")


@dataclass(frozen=True)
class ModelSpec:
    id: str
    display_name: str
    endpoint: str | None
    params: tuple[Param, ...]
    price: Price
    summary: str
    timing: ClipTiming
    legacy_names: tuple[str, ...] = ()
    """Names the old web app used for this model ("WAN (Default)")."""
    rules: tuple[CrossRule, ...] = ()
    needs_fal: bool = True
    presets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Values each quality-vs-speed level sets ("Speed": fewer steps); see session_params."""

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self.params}

    def with_defaults(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """This model's parameters from ``values``, the catalog's defaults for any missing."""
        return {p.key: values.get(p.key, p.default) for p in self.params}

    def clip_seconds(self, values: Mapping[str, Any]) -> float:
        return self.timing.seconds(self.with_defaults(values))

    def clip_cost(self, values: Mapping[str, Any]) -> float:
        """What one clip with these parameters costs, in US dollars."""
        full = self.with_defaults(values)
        return self.price.clip_cost(full, self.timing.seconds(full))
