"""The catalog as plain JSON data, for `scenemaker models --json` and the REST API's /models."""

from __future__ import annotations

from typing import Any

from scenemaker_desktop.engine.catalog.models import MODELS
from scenemaker_desktop.engine.catalog.request import SESSION_PARAMS, estimate_cost, validate_setup


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
            }
            for spec in MODELS
        ],
        "session_parameters": [p.describe() for p in SESSION_PARAMS],
    }
