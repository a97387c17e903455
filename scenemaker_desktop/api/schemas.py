"""The API's payloads: the old web app's models, field for field, plus optional extras.

Field names and types are the old API's contract; fields we add are optional.
The request model is built from the catalog (``seed_fields``), so the old
request's fields, their help and the checks on them are written down once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, create_model

from scenemaker_desktop.engine.catalog import ParamKind
from scenemaker_desktop.engine.catalog.seed_request import SeedField, seed_fields
from scenemaker_desktop.engine.vision.openai_vision import AnalysisAnswer

PARAMS_FIELD = "params"
"""Our extension of the request: catalog parameters by their own keys (as --set takes them)."""


class RootInfo(BaseModel):
    message: str = Field(description="What this server is.")
    version: str = Field(description="SceneMaker's version.")
    status: str = Field(description='"operational" while the server answers.')
    docs: str = Field(description="Where the interactive documentation is.")


class ConfigResponse(BaseModel):
    output_dir: str = Field(description="The sessions folder.")
    default_resolution: str = Field(description="The default cloud model's resolution.")
    default_inference_steps: int = Field(description="WAN's default inference steps.")
    api_keys_configured: bool = Field(description="A fal key is set (OpenAI is optional).")
    available_models: list[str] = Field(description="Model names `model_type` accepts.")


class HealthResponse(BaseModel):
    status: str = Field(description='"healthy" when renders can run here, else "degraded".')
    api_keys_configured: bool = Field(description="A fal key is set (OpenAI is optional).")
    output_directory_exists: bool = Field(description="The sessions folder exists and is writable.")
    active_sessions: int = Field(description="Sessions this server is running or has queued.")
    ffmpeg: bool = Field(description="ffmpeg was found and runs.")
    openai_key_configured: bool = Field(description="OpenAI analyzes and writes prompts.")


class ImageAnalysisResponse(AnalysisAnswer):
    """The five fields (as OpenAI is asked for them), and who filled them."""

    source: str = Field(description='Who analyzed the image: "openai" or "offline".')
    notice: str = Field("", description="Why the offline analysis stood in, when it did.")


class VideoGenerationResponse(BaseModel):
    session_id: str = Field(description="The session to poll, follow, download or cancel.")
    status: str = Field(description='"started"')
    message: str = Field(description="What happened, in words.")


class ChainContinuity(BaseModel):
    """How well one chain holds on to the input image (our extension; null: not measured)."""

    index: int = Field(description="The chain, 0-based.")
    drift: float | None = Field(
        description="ΔE76 of the mean Lab colour of the seed frame sent on, from the input image."
    )
    drift_raw: float | None = Field(
        description="The same for the chain's end frame as generated, before corrections."
    )
    seam_jump: float | None = Field(
        description="The seam after this chain: its jump over the median frame step around it."
    )
    consistency: float | None = Field(description="0–1: the end frame against the input image.")
    consistency_source: str = Field(description="openai or offline.")
    flags: list[str] = Field(description="Why the chain is flagged; empty when it is fine.")


class PlannedBeat(BaseModel):
    """One chain's beat in the session's plan (our extension)."""

    index: int = Field(description="The chain, 1-based as the artist counts.")
    text: str = Field(description="What happens in that chain.")
    locked: bool = Field(description="Sent to the model word for word (not refined per chain).")
    prompt: str = Field(description="The prompt actually sent for that chain, once written.")


class GenerationStatus(BaseModel):
    session_id: str = Field(description="The session.")
    status: str = Field(description="initializing, running, completed, error or cancelled.")
    progress: float = Field(description="0–100.")
    current_operation: str = Field(description="What the run is doing now, in words.")
    completed_chains: int = Field(description="Chains whose clip is done.")
    total_chains: int = Field(description="Chains in the video.")
    video_paths: list[str] = Field(description="Finished chains' clips, in order, on the server.")
    final_video_path: str | None = Field(description="The final video on the server, once done.")
    error_message: str | None = Field(description="Why it failed or stopped, when it did.")
    session_status: str = Field(
        description="The session's own state: queued, running, completed, failed, "
        "cancelled or interrupted (interrupted reads as error; resume continues it)."
    )
    cost_usd: float = Field(description="What fal has charged for this session so far.")
    notices: list[str] = Field(description="What the user should know (fallbacks, unused fields).")
    model: str = Field(description="The model's id (see GET /models).")
    continuity: list[ChainContinuity] = Field(
        description="Colour drift, seam and consistency per chain, as measured so far."
    )
    scene_vision: str = Field(description="The story the chains follow (empty until planned).")
    beats: list[PlannedBeat] = Field(description="The plan: one beat per chain, once planned.")
    draft_of: str | None = Field(description="The free preview whose plan this session renders.")


class SessionSummary(BaseModel):
    session_id: str = Field(description="The session.")
    status: str = Field(description="As in GenerationStatus (a damaged folder reads as error).")
    created_at: str = Field(description="When it was made (ISO 8601, UTC).")
    progress: float = Field(description="0–100.")
    completed_chains: int = Field(description="Chains whose clip is done.")
    total_chains: int = Field(description="Chains in the video.")
    error_message: str | None = Field(None, description="Why it failed or stopped, if it did.")


class SessionList(BaseModel):
    sessions: list[SessionSummary] = Field(description="Every session, newest first.")


class Message(BaseModel):
    message: str = Field(description="What happened, in words.")


class PromptResponse(BaseModel):
    prompt: str = Field(description="The cinematic prompt for this chain.")
    source: str = Field(description='Who wrote it: "openai" or "template".')


class ErrorResponse(BaseModel):
    detail: str = Field(description="What is wrong, in one line.")
    status_code: int = Field(description="The HTTP status, repeated for clients that log bodies.")


def _field_type(field: SeedField) -> Any:
    if field.kind is ParamKind.BOOL:
        return bool
    if field.kind is ParamKind.INT:
        return int
    if field.kind is ParamKind.FLOAT:
        return float
    if field.kind is ParamKind.CHOICE:
        return str | int  # "5" or 5: the catalog reads either
    return str


def _request_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field in seed_fields():
        kind = _field_type(field)
        limits = {"ge": field.minimum, "le": field.maximum} if field.minimum is not None else {}
        if field.required:
            fields[field.name] = (kind, Field(description=field.description, **limits))
        else:
            fields[field.name] = (kind | None, Field(None, description=field.description, **limits))
    fields[PARAMS_FIELD] = (
        dict[str, Any] | None,
        Field(
            None,
            description="Any model parameter by its catalog key (see GET /models), as "
            "`scenemaker generate --set` takes it; wins over the fields above.",
        ),
    )
    return create_model(
        "VideoGenerationRequest",
        __config__=ConfigDict(extra="forbid"),
        __doc__="The old web app's request, field for field; every field but "
        "action_direction may be left out (the catalog's defaults apply).",
        **fields,
    )


VideoGenerationRequest = _request_model()
