"""A chain's continuity in words, the same for the CLI, the app and the API."""

from __future__ import annotations

from scenemaker_desktop.engine.continuity.metrics import Verdict, judge
from scenemaker_desktop.engine.sessions.model import Continuity


def verdict_of(continuity: Continuity) -> Verdict:
    """Judged on what the viewer gets: the seed sent on (or the end frame of the last chain)."""
    drift = continuity.drift if continuity.drift is not None else continuity.drift_raw
    return judge(drift, continuity.seam_jump, continuity.consistency)


def continuity_line(continuity: Continuity) -> str:
    """``ΔE 0.3 (raw 2.8) · seam 1.2× · consistency 0.97``; empty when nothing is measured."""
    parts = []
    if continuity.drift is not None:
        raw = continuity.drift_raw
        parts.append(f"ΔE {continuity.drift:.1f}" + (f" (raw {raw:.1f})" if raw else ""))
    elif continuity.drift_raw is not None:
        parts.append(f"ΔE {continuity.drift_raw:.1f}")
    if continuity.seam_jump is not None:
        parts.append(f"seam {continuity.seam_jump:.1f}×")
    if continuity.consistency is not None:
        parts.append(f"consistency {continuity.consistency:.2f}")
    return " · ".join(parts)
