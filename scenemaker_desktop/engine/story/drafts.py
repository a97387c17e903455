"""Draft, then render: the free animatic of a plan, and the cloud session made from it.

The animatic is the same plan on Local Preview with clips as long as the chosen
model's, so camera moves are timed like the real clips, and each beat burned in
as a caption. "Render with …" makes a new session on a cloud model with the
draft's image, words and plan; the new session names its draft (``draft_of``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenemaker_desktop.engine.catalog import GenerationRequest, build_request, get_model
from scenemaker_desktop.engine.catalog.seed_steps import SEED_STEPS
from scenemaker_desktop.engine.catalog.session_params import QUALITY_PARAM
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.sessions.model import Session

PREVIEW_MODEL = "local"
CAPTIONS = "captions"
_DURATION = "duration"


def preview_request(request: GenerationRequest) -> GenerationRequest:
    """``request`` as a free animatic: Local Preview, the model's clip length, captions on."""
    preview = get_model(PREVIEW_MODEL)
    duration = preview.param(_DURATION)
    assert duration is not None and duration.minimum is not None and duration.maximum is not None
    seconds = round(request.spec.clip_seconds(request.params))
    session = {
        key: value
        for key, value in request.session_values().items()
        if key not in {step.key for step in SEED_STEPS} and key != QUALITY_PARAM.key
    }
    overrides = {
        **session,
        _DURATION: int(min(max(seconds, duration.minimum), duration.maximum)),
        CAPTIONS: True,
    }
    return build_request(
        PREVIEW_MODEL, request.action, overrides=overrides, analysis=request.analysis
    )


def render_request(
    draft: Session, model: str, overrides: Mapping[str, Any] | None = None
) -> GenerationRequest:
    """The request that renders ``draft``'s plan on ``model`` (its own defaults, ``overrides``)."""
    if draft.plan is None or not draft.plan.planned:
        raise ValidationError(
            f"session {draft.id} has no plan yet; run it (or `scenemaker plan`) first"
        )
    spec = get_model(model)
    if not spec.needs_fal:
        raise ValidationError(f"render a draft on a cloud model, not {spec.display_name}")
    values = dict(overrides or {})
    chains = values.pop("chains", draft.plan.chains)
    if int(chains) != draft.plan.chains:
        raise ValidationError(
            f"the draft's plan has {draft.plan.chains} beats; its render has as many chains"
        )
    keep = {
        key: value
        for key, value in draft.request.session_values().items()
        if key in ("character_lock", "quality_preservation", "seam", "crossfade")
    }
    return build_request(
        spec.id,
        draft.request.action,
        draft.plan.chains,
        {**keep, **values},
        analysis=draft.request.analysis,
    )
