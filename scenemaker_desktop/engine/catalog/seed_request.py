"""Read the old app's VideoGenerationRequest JSON (``scenemaker generate --request``).

The seed app kept one flat object with per-model prefixes (``pixverse_duration``,
``kling_creativity``…). We translate it into a catalog request so one validator
serves both, and fields meant for another model are simply not used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.catalog.request import GenerationRequest, build_request, get_model
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS

# seed field -> (model id it belongs to, or "*" for any model having the key; catalog key)
_FIELD_MAP: dict[str, tuple[str, str]] = {
    "resolution": ("*", "resolution"),
    "seed": ("*", "seed"),
    "inference_steps": ("wan", "num_inference_steps"),
    "safety_checker": ("wan", "enable_safety_checker"),
    "prompt_expansion": ("wan", "enable_prompt_expansion"),
    "pixverse_duration": ("pixverse", "duration"),
    "pixverse_style": ("pixverse", "style"),
    "pixverse_negative_prompt": ("pixverse", "negative_prompt"),
    "luma_duration": ("luma", "duration"),
    "luma_aspect_ratio": ("luma", "aspect_ratio"),
    "kling_duration": ("kling", "duration"),
    "kling_negative_prompt": ("kling", "negative_prompt"),
    "kling_creativity": ("kling", "cfg_scale"),
    "enable_quality_preservation": ("local", "quality_preservation"),
}
# Fields the old app had that have no meaning here (the character lock is always on;
# Kling takes no aspect ratio). Accepted so old files load, then ignored.
_IGNORED = {
    "scene_vision",
    "kling_aspect_ratio",
    "enable_character_consistency",
    "enable_face_enhancement",
    "enable_face_swapping",
    "quality_vs_speed",
}
_SESSION = {"model_type", "action_direction", "num_chains", *ANALYSIS_FIELDS}


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
    """Translate a VideoGenerationRequest dict; ``overrides`` (CLI flags) win."""
    unknown = set(data) - set(_FIELD_MAP) - _IGNORED - _SESSION
    if unknown:
        raise ValidationError(f"unknown request field(s): {', '.join(sorted(unknown))}")
    spec = get_model(str(data.get("model_type") or "WAN (Default)"))
    params: dict[str, Any] = {}
    for field_name, (model_id, key) in _FIELD_MAP.items():
        if field_name not in data or data[field_name] is None:
            continue
        if model_id in ("*", spec.id) and spec.param(key) is not None:
            params[key] = data[field_name]
    params.update(overrides or {})
    analysis = {k: data[k] for k in ANALYSIS_FIELDS if k != "action_direction" and data.get(k)}
    return build_request(
        spec.id,
        str(data.get("action_direction") or ""),
        data.get("num_chains", 3),
        params,
        analysis=analysis,
    )
