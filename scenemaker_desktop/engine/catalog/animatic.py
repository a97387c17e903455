"""The free animatic of a request and the cloud render of a draft: values read off the catalog.

An animatic is Local Preview with clips as long as the chosen model's (so camera
moves are timed like the real clips), drawn in Local Preview's quick Speed look,
and each beat captioned. A render keeps the
draft's continuity settings and takes the cloud model's own defaults for the rest.
"""

from __future__ import annotations

from typing import Any

from scenemaker_desktop.engine.catalog.models import LOCAL, LocalPreviewValues
from scenemaker_desktop.engine.catalog.request import ModelSetup
from scenemaker_desktop.engine.catalog.seed_steps import SEED_STEPS
from scenemaker_desktop.engine.catalog.session_params import QUALITY_PARAM

ANIMATIC_MODEL = LOCAL.id
_PAID_OR_PRESET = {QUALITY_PARAM.key, *(step.key for step in SEED_STEPS)}
"""Session values an animatic leaves out: face steps are paid fal calls, and the
quality preset would set Local Preview's resolution instead of the model's timing."""
_ANIMATIC_LOOK = "Speed"
_RENDER_KEEPS = ("seam", "crossfade", "quality_preservation", "character_lock")


def animatic_values(setup: ModelSetup) -> dict[str, Any]:
    """Overrides that make ``setup``'s session a Local Preview animatic (chains included).

    A Local Preview request keeps the look the artist chose; a cloud one is drawn in
    Local Preview's Speed look, its clips as long as the cloud model's."""
    session = {k: v for k, v in setup.session_values().items() if k not in _PAID_OR_PRESET}
    if setup.spec.id == LOCAL.id:
        return {**session, **setup.params, "captions": True}
    duration = LOCAL.param("duration")
    assert duration is not None and duration.minimum is not None and duration.maximum is not None
    seconds = round(setup.spec.clip_seconds(setup.params))
    clip = int(min(max(seconds, duration.minimum), duration.maximum))
    return {**session, **LOCAL.presets[_ANIMATIC_LOOK], duration.key: clip, "captions": True}


def render_values(draft: ModelSetup) -> dict[str, Any]:
    """The draft's session values a cloud render of its plan keeps."""
    values = draft.session_values()
    return {key: values[key] for key in _RENDER_KEEPS}


def wants_captions(setup: ModelSetup) -> bool:
    """The session burns each beat into its clip (an animatic)."""
    return setup.spec.id == LOCAL.id and LocalPreviewValues.of(setup.params).captions
