"""A validated generation request, built from the catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenemaker_desktop.engine.catalog.models import MODELS
from scenemaker_desktop.engine.catalog.seed_steps import SEED_STEPS, SeedStepSpec
from scenemaker_desktop.engine.catalog.session_params import (
    QUALITY_PARAM,
    SESSION_PARAMS,
    quality_values,
)
from scenemaker_desktop.engine.catalog.spec import ModelSpec
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS

MAX_ACTION_CHARS = 1000
MAX_ANALYSIS_CHARS = 1000


@dataclass(frozen=True)
class ModelSetup:
    """A model with validated parameters and the shape of the session: everything a
    request needs except its words, and all that the cost depends on."""

    model: str
    params: Mapping[str, Any]
    chains: int
    quality_vs_speed: str
    seam: str
    crossfade: float
    quality_preservation: bool
    character_lock: bool
    face_enhancement: bool
    face_swap: bool

    @property
    def spec(self) -> ModelSpec:
        return get_model(self.model)

    def session_values(self) -> dict[str, Any]:
        """The session's own values (chains, seams, continuity) under their catalog keys."""
        return {p.key: getattr(self, p.key) for p in SESSION_PARAMS}

    @property
    def seed_steps(self) -> tuple[SeedStepSpec, ...]:
        """The paid fal steps each seed frame goes through, in order."""
        return tuple(step for step in SEED_STEPS if getattr(self, step.key))


@dataclass(frozen=True)
class GenerationRequest(ModelSetup):
    """Everything one session needs, checked against the catalog. No secrets."""

    action: str
    analysis: Mapping[str, str] = field(default_factory=dict)
    """Analysis fields the user typed; blank ones are filled by the analyzer."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "action": self.action,
            **self.session_values(),
            "params": dict(self.params),
            "analysis": dict(self.analysis),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationRequest:
        """Re-validate a stored request (sessions written by older versions included)."""
        params, analysis = data.get("params") or {}, data.get("analysis") or {}
        if not isinstance(params, Mapping) or not isinstance(analysis, Mapping):
            raise ValidationError("a request's params and analysis must be objects")
        session = {p.key: data[p.key] for p in SESSION_PARAMS if p.key in data}
        return build_request(
            data.get("model", ""),
            data.get("action", ""),
            overrides={**params, **session},
            analysis=analysis,
        )


def get_model(name: str) -> ModelSpec:
    """Find a model by id, display name or a legacy name such as "WAN (Default)"."""
    if not isinstance(name, str):
        raise ValidationError(f"the model must be named by text, not {type(name).__name__}")
    wanted = name.strip().lower()
    for spec in MODELS:
        names = (spec.id, spec.display_name, *spec.legacy_names)
        if wanted in (n.lower() for n in names):
            return spec
    allowed = ", ".join(spec.id for spec in MODELS)
    raise ValidationError(f"unknown model '{name}'; choose one of {allowed}")


def validate_setup(
    model: str, overrides: Mapping[str, Any] | None = None, chains: Any = None
) -> ModelSetup:
    """Check a model's parameters and the session values; fill the catalog's defaults.

    ``chains`` (when not None) is the chain count unless ``overrides`` names one.
    """
    spec = get_model(model)
    overrides = dict(overrides or {})
    if chains is not None:
        overrides.setdefault("chains", chains)
    level = QUALITY_PARAM.coerce(overrides.get(QUALITY_PARAM.key, QUALITY_PARAM.default), spec.id)
    for key, value in quality_values(spec, level).items():
        overrides.setdefault(key, value)  # what the artist set wins over the preset
    session = {p.key: p.coerce(overrides.pop(p.key, p.default), spec.id) for p in SESSION_PARAMS}
    params = spec.defaults()
    for key, value in overrides.items():
        param = spec.param(key)
        if param is None:
            raise ValidationError(_unknown_key_message(spec, key))
        params[key] = param.coerce(value, spec.id)
    for rule in spec.rules:
        complaint = rule(params)
        if complaint:
            raise ValidationError(f"{spec.id}: {complaint}")
    setup = ModelSetup(model=spec.id, params=params, **session)
    if setup.crossfade > 0 and setup.seam == "fast":
        raise ValidationError("crossfade needs exact seams (set seam=exact or crossfade=0)")
    if setup.seed_steps and not spec.needs_fal:
        names = " and ".join(step.label for step in setup.seed_steps)
        one = len(setup.seed_steps) == 1
        raise ValidationError(
            f"{spec.id}: {names} {'runs' if one else 'run'} on fal.ai; "
            f"choose a cloud model or turn {'it' if one else 'them'} off"
        )
    return setup


def build_request(
    model: str,
    action: str,
    chains: Any = None,
    overrides: Mapping[str, Any] | None = None,
    analysis: Mapping[str, Any] | None = None,
) -> GenerationRequest:
    """Validate everything and fill defaults; raise ValidationError with a readable line."""
    setup = validate_setup(model, overrides, chains)
    return GenerationRequest(
        model=setup.model,
        params=setup.params,
        **setup.session_values(),
        action=_clean_action(action),
        analysis=_clean_analysis(analysis or {}),
    )


def _unknown_key_message(spec: ModelSpec, key: str) -> str:
    allowed = ", ".join(allowed_keys(spec))
    return f"{spec.id}: unknown parameter '{key}'; allowed: {allowed}"


def allowed_keys(spec: ModelSpec) -> list[str]:
    return [p.key for p in spec.params] + [p.key for p in SESSION_PARAMS]


def _clean_action(action: str) -> str:
    if action is not None and not isinstance(action, str):
        raise ValidationError(f"the action must be text, not {type(action).__name__}")
    cleaned = " ".join((action or "").split())
    if not cleaned:
        raise ValidationError(
            'describe the action (for example: "she turns and walks into the fog")'
        )
    if len(cleaned) > MAX_ACTION_CHARS:
        raise ValidationError(
            f"the action text is too long ({len(cleaned):,} characters; at most {MAX_ACTION_CHARS})"
        )
    return cleaned


def _clean_analysis(analysis: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(analysis) - set(ANALYSIS_FIELDS)
    if unknown:
        raise ValidationError(
            f"unknown analysis field(s): {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(ANALYSIS_FIELDS)}"
        )
    cleaned = {}
    for key, value in analysis.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValidationError(f"{key} must be text, not {type(value).__name__}")
        if len(value) > MAX_ANALYSIS_CHARS:
            raise ValidationError(
                f"{key} is too long ({len(value):,} characters; at most {MAX_ANALYSIS_CHARS})"
            )
        if value.strip():
            cleaned[key] = " ".join(value.split())
    return cleaned


def parse_set_options(items: Iterable[str]) -> dict[str, str]:
    """Turn CLI ``--set KEY=VALUE`` items into a dict, refusing malformed ones."""
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--set takes KEY=VALUE, got '{item}'")
        values[key.strip()] = value.strip()
    return values


def fal_arguments(
    spec: ModelSpec, params: Mapping[str, Any], prompt: str, image_url: str
) -> dict[str, Any]:
    """The exact JSON body for the model's fal endpoint: only fields it accepts."""
    arguments: dict[str, Any] = {"prompt": prompt, "image_url": image_url}
    for param in spec.params:
        if param.fal_field is None:
            continue
        value = params.get(param.key, param.default)
        if value in param.omit_when:
            continue
        arguments[param.fal_field] = value
    return arguments


@dataclass(frozen=True)
class CostEstimate:
    per_clip_usd: float
    clips: int
    seconds_per_clip: float
    per_seed_usd: float = 0.0
    """The paid seed-frame steps (faces) for each seed frame; there is one fewer than clips."""

    @property
    def seeds(self) -> int:
        return max(0, self.clips - 1)

    @property
    def total_usd(self) -> float:
        return round(self.per_clip_usd * self.clips + self.per_seed_usd * self.seeds, 2)

    @property
    def paid(self) -> bool:
        """Each clip costs money (a cloud model); Local Preview's do not."""
        return self.per_clip_usd > 0


def film_seconds(setup: ModelSetup) -> float:
    """About how long the final video runs: each crossfade overlaps two clips.

    About, because an exact seam cuts each clip at the frame that seeded the next."""
    clip = setup.spec.clip_seconds(setup.params)
    return max(0.0, setup.chains * clip - (setup.chains - 1) * setup.crossfade)


def estimate_cost(setup: ModelSetup) -> CostEstimate:
    """What a session with this setup costs if every chain runs once (a request is a setup)."""
    spec = setup.spec
    per_seed = round(sum(step.price_usd for step in setup.seed_steps), 4)
    return CostEstimate(
        spec.clip_cost(setup.params), setup.chains, spec.clip_seconds(setup.params), per_seed
    )
