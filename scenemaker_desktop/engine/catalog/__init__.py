"""The model catalog: one source of truth for forms, validation, CLI --set, fal and cost."""

from scenemaker_desktop.engine.catalog.models import (
    MODELS,
    LocalPreviewValues,
    default_model_id,
)
from scenemaker_desktop.engine.catalog.params import Param, ParamKind
from scenemaker_desktop.engine.catalog.pricing import Price
from scenemaker_desktop.engine.catalog.request import (
    CostEstimate,
    GenerationRequest,
    ModelSetup,
    allowed_keys,
    build_request,
    estimate_cost,
    fal_arguments,
    film_seconds,
    get_model,
    parse_set_options,
    validate_setup,
)
from scenemaker_desktop.engine.catalog.seed_request import (
    load_seed_request,
    seed_request_to_request,
)
from scenemaker_desktop.engine.catalog.seed_steps import SEED_STEPS, SeedStepSpec
from scenemaker_desktop.engine.catalog.session_params import (
    CHAINS_PARAM,
    QUALITY_PARAM,
    SESSION_PARAMS,
    quality_values,
)
from scenemaker_desktop.engine.catalog.spec import ClipTiming, ModelSpec

__all__ = [
    "CHAINS_PARAM",
    "MODELS",
    "QUALITY_PARAM",
    "SEED_STEPS",
    "SESSION_PARAMS",
    "ClipTiming",
    "CostEstimate",
    "GenerationRequest",
    "LocalPreviewValues",
    "ModelSetup",
    "ModelSpec",
    "Param",
    "ParamKind",
    "Price",
    "SeedStepSpec",
    "allowed_keys",
    "build_request",
    "default_model_id",
    "estimate_cost",
    "fal_arguments",
    "film_seconds",
    "get_model",
    "load_seed_request",
    "parse_set_options",
    "quality_values",
    "seed_request_to_request",
    "validate_setup",
]
