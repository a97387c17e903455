"""Draft, then render: the free animatic of a plan, and the cloud session made from it.

The values come from the catalog (``catalog.animatic``); here is only what makes
a draft renderable: it has a written plan, and the render has a chain per beat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenemaker_desktop.engine.catalog import GenerationRequest, build_request, get_model
from scenemaker_desktop.engine.catalog.animatic import (
    ANIMATIC_MODEL,
    animatic_values,
    render_values,
)
from scenemaker_desktop.engine.catalog.session_params import CHAINS_PARAM
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.story.plan import check_plan


def preview_request(request: GenerationRequest) -> GenerationRequest:
    """``request`` as a free animatic: Local Preview, the model's clip length, captions on."""
    return build_request(
        ANIMATIC_MODEL,
        request.action,
        overrides=animatic_values(request),
        analysis=request.analysis,
    )


def render_request(
    draft: Session, model: str, overrides: Mapping[str, Any] | None = None
) -> GenerationRequest:
    """The request rendering ``draft``'s plan on cloud ``model`` (its defaults, ``overrides``)."""
    if draft.plan is None or not draft.plan.planned:
        raise ValidationError(f"session {draft.id} has no plan yet; run it first")
    spec = get_model(model)
    if not spec.needs_fal:
        raise ValidationError(f"render a draft on a cloud model, not on {spec.display_name}")
    values = {**render_values(draft.request), **(overrides or {})}
    values.setdefault(CHAINS_PARAM.key, draft.plan.chains)
    request = build_request(
        spec.id, draft.request.action, overrides=values, analysis=draft.request.analysis
    )
    check_plan(draft.plan, request.chains)
    return request
