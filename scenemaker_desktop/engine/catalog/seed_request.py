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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.catalog.models import DEFAULT_CLOUD, MODELS
from scenemaker_desktop.engine.catalog.params import Param, ParamKind
from scenemaker_desktop.engine.catalog.request import (
    GenerationRequest,
    build_request,
    get_model,
)
from scenemaker_desktop.engine.catalog.session_params import CHAINS_PARAM, SESSION_PARAMS
from scenemaker_desktop.engine.catalog.spec import ModelSpec
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS

MODEL_FIELD = "model_type"
ACTION_FIELD = "action_direction"
SEED_ONLY_FIELDS: dict[str, str] = {
    "kling_aspect_ratio": "Kling 2.1 PRO takes the image's own shape",
}
"""Fields the old app had that do not change a render here, and why. Accepted so old
requests load; a request that sends one gets a note saying so."""


@dataclass(frozen=True)
class SeedField:
    """One field of the old VideoGenerationRequest, for a front that describes the format."""

    name: str
    kind: ParamKind
    description: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None


VISION_FIELD = "scene_vision"
AUTO_CHAINS_FIELD = "auto_chains"
"""Our extension: the planner chooses the chain count (``num_chains`` left out)."""
MAX_VISION_CHARS = 1200


@dataclass(frozen=True)
class SeedTranslation:
    request: GenerationRequest
    unused: tuple[str, ...]
    """One line for each field the request sent that this model does not use, and why."""
    scene_vision: str = ""
    """The artist's story for the planner; empty: the planner writes one."""
    auto_chains: bool = False


@dataclass(frozen=True)
class OldAppConfig:
    """What the old web app's /config reported, answered from the catalog."""

    default_resolution: str
    default_inference_steps: int
    model_names: tuple[str, ...]


def _params_by_field() -> dict[str, list[tuple[ModelSpec | None, Param]]]:
    """Old field name → (model, or None for a session value; its parameter)."""
    found: dict[str, list[tuple[ModelSpec | None, Param]]] = {}
    pairs = [(spec, p) for spec in MODELS for p in spec.params] + [
        (None, p) for p in SESSION_PARAMS
    ]
    for spec, param in pairs:
        if param.legacy_field:
            found.setdefault(param.legacy_field, []).append((spec, param))
    return found


def known_fields() -> frozenset[str]:
    """Every field of the old VideoGenerationRequest that we accept."""
    ours = {MODEL_FIELD, VISION_FIELD, AUTO_CHAINS_FIELD, *ANALYSIS_FIELDS, *SEED_ONLY_FIELDS}
    return frozenset(_params_by_field()) | ours


def seed_fields() -> tuple[SeedField, ...]:
    """The old request's fields, typed and described, for the REST API's request model."""
    fields = [
        SeedField(ACTION_FIELD, ParamKind.TEXT, "What happens over the whole video.", True),
        *(
            SeedField(
                name,
                ParamKind.TEXT,
                f"The image's {name.replace('_', ' ')}; left out, the analysis fills it.",
            )
            for name in ANALYSIS_FIELDS
            if name != ACTION_FIELD
        ),
        SeedField(
            MODEL_FIELD,
            ParamKind.TEXT,
            "The model, by name: "
            + ", ".join(old_app_config().model_names)
            + f" (left out: {DEFAULT_CLOUD.legacy_names[0]}).",
        ),
    ]
    for name, owners in _params_by_field().items():
        param = owners[0][1]
        models = ", ".join(spec.display_name for spec, _ in owners if spec is not None)
        fields.append(
            SeedField(
                name,
                param.kind,
                f"{param.help.rstrip('.')} ({models or 'every model'}).",
                minimum=param.minimum if owners[0][0] is None else None,
                maximum=param.maximum if owners[0][0] is None else None,
            )
        )
    fields += [
        SeedField(VISION_FIELD, ParamKind.TEXT, "The whole story in a few sentences, for the "
                  "planner to follow; left out, it writes one from the action and the image."),
        SeedField(AUTO_CHAINS_FIELD, ParamKind.BOOL, "Let the planner choose 1-10 chains from "
                  "how much the action asks to happen (leave num_chains out)."),
    ]  # fmt: skip
    for name, reason in SEED_ONLY_FIELDS.items():
        kind = ParamKind.BOOL if name.startswith("enable_") else ParamKind.TEXT
        fields.append(SeedField(name, kind, f"Accepted, not used: {reason}."))
    return tuple(fields)


def old_app_config() -> OldAppConfig:
    defaults = {
        p.legacy_field: p.default for p in DEFAULT_CLOUD.params if p.legacy_field is not None
    }
    return OldAppConfig(
        default_resolution=str(defaults["resolution"]),
        default_inference_steps=int(defaults["inference_steps"]),
        model_names=(
            *(spec.legacy_names[0] for spec in MODELS if spec.needs_fal and spec.legacy_names),
            *(spec.display_name for spec in MODELS if not spec.needs_fal),
        ),
    )


def load_seed_request(path: Path) -> SeedTranslation:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"request file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(f"request file {Path(path).name} is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValidationError(f"request file {Path(path).name} is nested too deeply") from None
    if not isinstance(data, dict):
        raise ValidationError(f"request file {Path(path).name} must hold one JSON object")
    return translate_seed_request(data)


def seed_request_to_request(
    data: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> GenerationRequest:
    """Translate a VideoGenerationRequest dict; ``overrides`` (CLI flags) win.

    A request that names no ``model_type`` means the default cloud model, as it did
    in the old app.
    """
    return translate_seed_request(data, overrides).request


def translate_seed_request(
    data: Mapping[str, Any], overrides: Mapping[str, Any] | None = None
) -> SeedTranslation:
    """``seed_request_to_request``, plus a note for every field sent but not used."""
    unknown = set(data) - known_fields()
    if unknown:
        raise ValidationError(f"unknown request field(s): {', '.join(sorted(unknown))}")
    spec = get_model(data.get(MODEL_FIELD) or DEFAULT_CLOUD.id)
    values: dict[str, Any] = {}
    for param in (*spec.params, *SESSION_PARAMS):
        field_name = param.legacy_field
        if field_name and data.get(field_name) is not None:
            values[param.key] = data[field_name]
    values.update(overrides or {})
    analysis = {k: data[k] for k in ANALYSIS_FIELDS if k != ACTION_FIELD and data.get(k)}
    auto = _story_flag(data)
    chains_field = CHAINS_PARAM.legacy_field
    if auto and chains_field is not None and data.get(chains_field) is not None:
        raise ValidationError(
            f"{AUTO_CHAINS_FIELD} lets the planner choose the chain count; leave {chains_field} out"
        )
    request = build_request(spec.id, data.get(ACTION_FIELD), overrides=values, analysis=analysis)
    vision = check_scene_vision(data.get(VISION_FIELD) or "", VISION_FIELD)
    return SeedTranslation(request, _unused(data, spec), vision, auto)


def check_scene_vision(vision: Any, name: str) -> str:
    """The artist's scene vision with spaces collapsed, or ValidationError naming ``name``."""
    if not isinstance(vision, str):
        raise ValidationError(f"{name} must be text")
    cleaned = " ".join(vision.split())
    if len(cleaned) > MAX_VISION_CHARS:
        raise ValidationError(
            f"{name} is too long ({len(cleaned):,} characters; at most {MAX_VISION_CHARS:,})"
        )
    return cleaned


def _story_flag(data: Mapping[str, Any]) -> bool:
    auto = data.get(AUTO_CHAINS_FIELD, False)
    if not isinstance(auto, bool):
        raise ValidationError(f"{AUTO_CHAINS_FIELD} must be true or false")
    return auto


def _unused(data: Mapping[str, Any], spec: ModelSpec) -> tuple[str, ...]:
    notes = []
    owners = _params_by_field()
    for name, value in data.items():
        if value is None:
            continue
        if name in SEED_ONLY_FIELDS:
            notes.append(f"{name} is not used: {SEED_ONLY_FIELDS[name]}")
        elif name in owners and all(owner not in (None, spec) for owner, _ in owners[name]):
            models = ", ".join(owner.display_name for owner, _ in owners[name] if owner)
            notes.append(f"{name} is for {models}; {spec.display_name} does not use it")
    return tuple(notes)
