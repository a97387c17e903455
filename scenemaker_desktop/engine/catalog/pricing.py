"""Prices as data, turned into a cost per clip (fal.ai's published prices per model)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Price:
    """Cost of one clip: a base (fixed, or looked up by one parameter), times factors
    looked up by other parameters, plus a per-second rate beyond the included seconds.

    Kling, for example, is ``Price(base_usd=0.49, extra_per_second=0.098, included_seconds=5)``;
    Luma is a base of 0.50 with a resolution factor and a duration factor.
    """

    base_usd: float = 0.0
    base_by: str | None = None
    base_table: Mapping[str, float] = field(default_factory=dict)
    factors: tuple[tuple[str, Mapping[str, float]], ...] = ()
    extra_per_second: float = 0.0
    included_seconds: float = 0.0

    def clip_cost(self, values: Mapping[str, Any], clip_seconds: float) -> float:
        base = self.base_usd
        if self.base_by is not None:
            base = self.base_table.get(str(values.get(self.base_by)), base)
        for key, table in self.factors:
            base *= table.get(str(values.get(key)), 1.0)
        extra = max(0.0, clip_seconds - self.included_seconds) if self.extra_per_second else 0.0
        return round(base + extra * self.extra_per_second, 4)


FREE = Price()
