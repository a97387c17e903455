"""The API's read-only and one-shot endpoints: about, config, health, models, analysis, prompts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile

from scenemaker_desktop import __version__
from scenemaker_desktop.api.app import Context
from scenemaker_desktop.api.schemas import (
    ConfigResponse,
    ErrorResponse,
    HealthResponse,
    ImageAnalysisResponse,
    PromptResponse,
    RootInfo,
)
from scenemaker_desktop.api.uploads import uploaded_image
from scenemaker_desktop.engine.catalog import CHAINS_PARAM
from scenemaker_desktop.engine.catalog.describe import describe_catalog
from scenemaker_desktop.engine.catalog.seed_request import old_app_config
from scenemaker_desktop.engine.vision.base import ImageAnalysis, PromptContext

router = APIRouter()
BAD_INPUT: dict[int | str, dict[str, Any]] = {400: {"model": ErrorResponse}}
MAX_CHAINS = int(CHAINS_PARAM.maximum or 1)


@router.get("/", response_model=RootInfo, summary="About this API")
async def root() -> RootInfo:
    return RootInfo(
        message="SceneMaker API", version=__version__, status="operational", docs="/docs"
    )


@router.get("/config", response_model=ConfigResponse, summary="Where sessions go, and the models")
def config(ctx: Context) -> ConfigResponse:
    old = old_app_config()
    return ConfigResponse(
        output_dir=str(ctx.engine.sessions_dir),
        default_resolution=old.default_resolution,
        default_inference_steps=old.default_inference_steps,
        api_keys_configured=ctx.engine.key_info("fal").configured,
        available_models=list(old.model_names),
    )


@router.get("/health", response_model=HealthResponse, summary="Whether renders can run here")
def health(ctx: Context) -> HealthResponse:
    snapshot = ctx.health()
    return HealthResponse(
        status="healthy" if snapshot.ok else "degraded",
        api_keys_configured=snapshot.key_configured("fal"),
        output_directory_exists=snapshot.storage.writable,
        active_sessions=ctx.jobs.active_count(),
        ffmpeg=snapshot.ffmpeg.found,
        openai_key_configured=snapshot.key_configured("openai"),
    )


@router.get("/models", summary="Every model, its parameters and prices (the catalog)")
async def models() -> dict[str, Any]:
    return describe_catalog()


@router.post(
    "/analyze-image",
    response_model=ImageAnalysisResponse,
    responses=BAD_INPUT,
    summary="Describe an image: theme, background, subject, tone, action",
)
def analyze_image(
    ctx: Context,
    file: Annotated[UploadFile, File(description="The image (PNG, JPEG, WebP, BMP, TIFF, GIF).")],
) -> ImageAnalysisResponse:
    with uploaded_image(file) as image:
        analyzed = ctx.engine.analyze(image)
    return ImageAnalysisResponse(
        **analyzed.value.to_dict(), source=analyzed.source, notice=analyzed.notice
    )


def _text(description: str) -> Any:
    return Form(description=description)


@router.post(
    "/generate-prompt",
    response_model=PromptResponse,
    responses=BAD_INPUT,
    summary="Write one chain's cinematic prompt",
)
def generate_prompt(
    ctx: Context,
    action_direction: Annotated[str, _text("What happens over the whole video.")],
    scene_vision: Annotated[str, _text("The whole story in a few sentences.")],
    frame_description: Annotated[str, _text("What the chain's first frame shows.")],
    image_description: Annotated[str, _text("Accepted, not used (the old API ignored it too).")],
    theme: Annotated[str, _text("Theme and genre.")],
    background: Annotated[str, _text("The background and setting.")],
    main_subject: Annotated[str, _text("The main subject.")],
    tone_and_color: Annotated[str, _text("Palette, lighting and contrast.")],
    current_chain: Annotated[int, Form(description="This chain, counted from 0.")],
    total_chains: Annotated[int, Form(description=f"Chains in the video, 1 to {MAX_CHAINS}.")],
) -> PromptResponse:
    if not 1 <= total_chains <= MAX_CHAINS:
        raise HTTPException(400, f"total_chains must be from 1 to {MAX_CHAINS}")
    if not 0 <= current_chain < total_chains:
        raise HTTPException(400, f"current_chain must be from 0 to {total_chains - 1}")
    if not action_direction.strip():
        raise HTTPException(400, "action_direction must not be empty")
    analysis = ImageAnalysis(theme, background, main_subject, tone_and_color, action_direction)
    context = PromptContext(
        analysis,
        action_direction,
        current_chain,
        total_chains,
        seed_frame=None,
        frame_description=" ".join(frame_description.split()),
        scene_vision=" ".join(scene_vision.split()),
    )
    written = ctx.engine.write_prompt(context)
    return PromptResponse(prompt=written.value.prompt, source=written.source)
