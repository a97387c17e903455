"""Settings of a session rather than of a model, and the quality-vs-speed presets.

Every model takes the same session values (chains, seams, continuity). The
presets are data too: "Maximum Quality", "Balanced" and "Speed" each name the
values they set, per model and for the session; "Balanced" is the catalog's
defaults, so a session that never picks a preset renders as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenemaker_desktop.engine.catalog.params import Param, choice, flag, integer, number
from scenemaker_desktop.engine.catalog.seed_steps import FACE_ENHANCEMENT, FACE_SWAP
from scenemaker_desktop.engine.catalog.spec import ModelSpec

CHAINS_PARAM = integer(
    "chains",
    "Chains",
    1,
    10,
    3,
    "How many clips are chained into the final video.",
    legacy_field="num_chains",
)
QUALITY_PARAM = choice(
    "quality_vs_speed",
    "Quality vs speed",
    ("Maximum Quality", "Balanced", "Speed"),
    "Balanced",
    "A preset for the model's steps, resolution and the seams; each value stays editable.",
    value_aliases={"max": "Maximum Quality", "quality": "Maximum Quality"},
    legacy_field="quality_vs_speed",
)
SESSION_PARAMS: tuple[Param, ...] = (
    CHAINS_PARAM,
    QUALITY_PARAM,
    choice(
        "seam",
        "Seams",
        ("exact", "fast"),
        "exact",
        "exact: cut each clip at its seed frame and encode once; fast: stream-copy draft.",
    ),
    number(
        "crossfade",
        "Crossfade (s)",
        0.0,
        2.0,
        0.0,
        "Blend clips over this many seconds (exact seams only).",
        step=0.1,
    ),
    flag(
        "quality_preservation",
        "Quality preservation",
        True,
        "Match each seed frame's colour and exposure back to the input image, so chains "
        "do not drift (Local Preview also renders every chain from the full image).",
        legacy_field="enable_quality_preservation",
    ),
    flag(
        "character_lock",
        "Character lock",
        True,
        "Put the same subject, wardrobe, palette and style block into every chain's prompt.",
        legacy_field="enable_character_consistency",
    ),
    flag(
        FACE_ENHANCEMENT.key,
        "Restore faces",
        False,
        f"{FACE_ENHANCEMENT.label} on each seed frame before it seeds the next chain "
        f"(fal.ai, ${FACE_ENHANCEMENT.price_usd:.2f} a frame).",
        legacy_field="enable_face_enhancement",
    ),
    flag(
        FACE_SWAP.key,
        "Keep the face",
        False,
        f"{FACE_SWAP.label} on each seed frame (fal.ai, ${FACE_SWAP.price_usd:.2f} a frame).",
        legacy_field="enable_face_swapping",
    ),
)
"""Same keys for every model."""

SESSION_PRESETS: Mapping[str, Mapping[str, Any]] = {
    "Maximum Quality": {"seam": "exact"},
    "Balanced": {},
    # Fast seams copy clips without an encode: the quickest assembly, one repeated frame a seam.
    "Speed": {"seam": "fast", "crossfade": 0.0},
}


def quality_values(spec: ModelSpec, level: str) -> dict[str, Any]:
    """What the preset ``level`` sets for ``spec``: every key any preset of it touches,
    with the catalog default where this level leaves one alone (so switching back works)."""
    session_defaults = {p.key: p.default for p in SESSION_PARAMS}
    touched_model = {key for preset in spec.presets.values() for key in preset}
    touched_session = {key for preset in SESSION_PRESETS.values() for key in preset}
    defaults = {p.key: p.default for p in spec.params if p.key in touched_model}
    defaults.update({key: session_defaults[key] for key in touched_session})
    return {**defaults, **spec.presets.get(level, {}), **SESSION_PRESETS.get(level, {})}
