"""The catalog as plain JSON data, for `scenemaker models --json` and the REST API's /models."""

from __future__ import annotations

from typing import Any

from scenemaker_desktop.engine.catalog.models import MODELS
from scenemaker_desktop.engine.catalog.request import estimate_cost, validate_setup
from scenemaker_desktop.engine.catalog.seed_steps import SEED_STEPS
from scenemaker_desktop.engine.catalog.session_params import (
    QUALITY_PARAM,
    SESSION_PARAMS,
    quality_values,
)


def describe_catalog() -> dict[str, Any]:
    """Every model with its parameters and default price, and the session's own values."""
    return {
        "models": [
            {
                "id": spec.id,
                "name": spec.display_name,
                "endpoint": spec.endpoint,
                "needs_fal_key": spec.needs_fal,
                "summary": spec.summary,
                "price_per_clip_usd": estimate_cost(validate_setup(spec.id)).per_clip_usd,
                "parameters": [p.describe() for p in spec.params],
                "quality_presets": {
                    level: quality_values(spec, level) for level in QUALITY_PARAM.choices
                },
            }
            for spec in MODELS
        ],
        "session_parameters": [p.describe() for p in SESSION_PARAMS],
        "seed_steps": [
            {"key": s.key, "name": s.label, "endpoint": s.endpoint, "price_usd": s.price_usd}
            for s in SEED_STEPS
        ],
    }
