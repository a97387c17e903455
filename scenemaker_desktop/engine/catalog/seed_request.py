"""Read the old app's VideoGenerationRequest JSON (``scenemaker generate --request``).

The old web app kept one flat object with per-model prefixes (``pixverse_duration``,
``kling_creativity``…). Each catalog parameter names the field it had there
(``Param.legacy_field``), so the translation is read off the catalog: fields of
the chosen model become its parameters, fields meant for another model are
simply not used, and anything else is refused by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.catalog.models import DEFAULT_CLOUD, MODELS
from scenemaker_desktop.engine.catalog.request import (
    SESSION_PARAMS,
    GenerationRequest,
    build_request,
    get_model,
)
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS

MODEL_FIELD = "model_type"
ACTION_FIELD = "action_direction"
SEED_ONLY_FIELDS = (
    "scene_vision",
    "kling_aspect_ratio",
    "enable_character_consistency",
    "enable_face_enhancement",
    "enable_face_swapping",
    "quality_vs_speed",
)
"""Fields the old app had that do not change a render here yet (the character lock is
always on; Kling takes the image's own shape). Accepted so old requests load."""


def _param_fields() -> frozenset[str]:
    """Every old field that names some model's parameter or a session value."""
    params = [p for spec in MODELS for p in spec.params] + list(SESSION_PARAMS)
    return frozenset(p.legacy_field for p in params if p.legacy_field)


def known_fields() -> frozenset[str]:
    """Every field of the old VideoGenerationRequest that we accept."""
    return _param_fields() | {MODEL_FIELD, *ANALYSIS_FIELDS, *SEED_ONLY_FIELDS}


def load_seed_request(path: Path) -> GenerationRequest:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"request file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"request file {Path(path).name} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"request file {Path(path).name} must hold one JSON object")
    return seed_request_to_request(data)


def seed_request_to_request(
    data: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> GenerationRequest:
    """Translate a VideoGenerationRequest dict; ``overrides`` (CLI flags) win.

    A request that names no ``model_type`` means the default cloud model, as it did
    in the old app.
    """
    unknown = set(data) - known_fields()
    if unknown:
        raise ValidationError(f"unknown request field(s): {', '.join(sorted(unknown))}")
    spec = get_model(str(data.get(MODEL_FIELD) or DEFAULT_CLOUD.id))
    values: dict[str, Any] = {}
    for param in (*spec.params, *SESSION_PARAMS):
        field_name = param.legacy_field
        if field_name and data.get(field_name) is not None:
            values[param.key] = data[field_name]
    values.update(overrides or {})
    analysis = {k: data[k] for k in ANALYSIS_FIELDS if k != ACTION_FIELD and data.get(k)}
    return build_request(
        spec.id, str(data.get(ACTION_FIELD) or ""), overrides=values, analysis=analysis
    )
