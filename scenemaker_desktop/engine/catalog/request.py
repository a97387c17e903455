"""A validated generation request, built from the catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scenemaker_desktop.engine.catalog.models import MODELS, ModelSpec
from scenemaker_desktop.engine.catalog.params import Param, choice, integer, number
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS

MAX_ACTION_CHARS = 1000

SESSION_PARAMS: tuple[Param, ...] = (
    integer("chains", "Chains", 1, 10, 3, "How many clips are chained into the final video."),
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
)


@dataclass(frozen=True)
class GenerationRequest:
    """Everything one session needs, checked against the catalog. No secrets."""

    model: str
    action: str
    chains: int
    params: Mapping[str, Any]
    seam: str = "exact"
    crossfade: float = 0.0
    analysis: Mapping[str, str] = field(default_factory=dict)
    """Analysis fields the user typed; blank ones are filled by the analyser."""

    @property
    def spec(self) -> ModelSpec:
        return get_model(self.model)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "action": self.action,
            "chains": self.chains,
            "params": dict(self.params),
            "seam": self.seam,
            "crossfade": self.crossfade,
            "analysis": dict(self.analysis),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GenerationRequest:
        """Re-validate a stored request (sessions written by older versions included)."""
        return build_request(
            str(data.get("model", "")),
            str(data.get("action", "")),
            data.get("chains", 3),
            {
                **dict(data.get("params") or {}),
                "seam": data.get("seam", "exact"),
                "crossfade": data.get("crossfade", 0.0),
            },
            analysis=data.get("analysis") or {},
        )


def get_model(name: str) -> ModelSpec:
    """Find a model by id, display name or a legacy name such as "WAN (Default)"."""
    wanted = str(name).strip().lower()
    for spec in MODELS:
        names = (spec.id, spec.display_name, *spec.legacy_names)
        if wanted in (n.lower() for n in names):
            return spec
    allowed = ", ".join(spec.id for spec in MODELS)
    raise ValidationError(f"unknown model '{name}'; choose one of {allowed}")


def build_request(
    model: str,
    action: str,
    chains: Any = 3,
    overrides: Mapping[str, Any] | None = None,
    analysis: Mapping[str, Any] | None = None,
) -> GenerationRequest:
    """Validate everything and fill defaults; raise ValidationError with a readable line."""
    spec = get_model(model)
    overrides = dict(overrides or {})
    session = _session_values(spec, chains, overrides)
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
    if session["crossfade"] > 0 and session["seam"] == "fast":
        raise ValidationError("crossfade needs exact seams (set seam=exact or crossfade=0)")
    return GenerationRequest(
        model=spec.id,
        action=_clean_action(action),
        chains=session["chains"],
        params=params,
        seam=session["seam"],
        crossfade=session["crossfade"],
        analysis=_clean_analysis(analysis or {}),
    )


def _session_values(spec: ModelSpec, chains: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    values = {p.key: p.default for p in SESSION_PARAMS}
    if "chains" not in overrides:
        overrides["chains"] = chains
    for param in SESSION_PARAMS:
        if param.key in overrides:
            values[param.key] = param.coerce(overrides.pop(param.key), spec.id)
    return values


def _unknown_key_message(spec: ModelSpec, key: str) -> str:
    allowed = ", ".join(allowed_keys(spec))
    return f"{spec.id}: unknown parameter '{key}'; allowed: {allowed}"


def allowed_keys(spec: ModelSpec) -> list[str]:
    return [p.key for p in spec.params] + [p.key for p in SESSION_PARAMS]


def _clean_action(action: str) -> str:
    cleaned = " ".join(str(action or "").split())
    if not cleaned:
        raise ValidationError(
            'describe the action (for example: "she turns and walks into the fog")'
        )
    if len(cleaned) > MAX_ACTION_CHARS:
        raise ValidationError(
            f"the action text is too long ({len(cleaned)} characters, at most {MAX_ACTION_CHARS})"
        )
    return cleaned


def _clean_analysis(analysis: Mapping[str, Any]) -> dict[str, str]:
    unknown = set(analysis) - set(ANALYSIS_FIELDS)
    if unknown:
        raise ValidationError(
            f"unknown analysis field(s): {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(ANALYSIS_FIELDS)}"
        )
    return {k: " ".join(str(v).split()) for k, v in analysis.items() if v and str(v).strip()}


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

    @property
    def total_usd(self) -> float:
        return round(self.per_clip_usd * self.clips, 2)


def estimate_cost(request: GenerationRequest) -> CostEstimate:
    spec = request.spec
    seconds = spec.clip_seconds(request.params)
    return CostEstimate(spec.price.clip_cost(request.params, seconds), request.chains, seconds)
