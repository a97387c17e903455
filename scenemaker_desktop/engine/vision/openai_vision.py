"""Image analysis and chain prompts written by an OpenAI vision model.

Budget: one call analyzes the input image; each chain then costs one call —
for later chains a call that sees the seed frame (and the input image beside
it) and answers with a short description of the frame, how consistent it is
with the input (0–1), and the next prompt. N chains therefore make at most
N + 1 calls (the old app made four per chain and threw the description away).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from scenemaker_desktop.engine.vision.base import ChainPrompt, ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.openai_client import image_data_url, parse_structured
from scenemaker_desktop.engine.vision.prompts import arc_phases, context_lock, fit_prompt

_ANALYZE_SYSTEM = (
    "You analyze a still image that will seed an image-to-video generation. Describe what is "
    "visible, concretely and briefly (one sentence per field): the theme and genre, the "
    "background, the main subject (appearance, clothing, pose), tone and colour (palette, "
    "lighting, contrast), and a plausible action direction for a short video."
)
_PROMPT_SYSTEM = (
    "You write one prompt for an image-to-video model that continues a longer video made of "
    "chained clips. Write a single cinematic paragraph (at most 90 words): what moves and how, "
    "the camera, the light. Describe only what happens in this clip, as the next beat of the "
    "story arc, continuing seamlessly from the starting frame. Do not restate the style lock; "
    "it is appended for you. No lists, no quotes, no scene cuts. When a reference image is "
    "given, also rate how consistent the starting frame is with it (same subject, face, "
    "wardrobe, palette and style; camera framing does not count)."
)


class AnalysisAnswer(BaseModel):
    theme: str = Field(description="theme and genre of the image")
    background: str = Field(description="the background and setting")
    main_subject: str = Field(description="the main subject: appearance, clothing, pose")
    tone_and_color: str = Field(description="palette, lighting and contrast")
    action_direction: str = Field(description="a plausible action for a short video")


class ChainAnswer(BaseModel):
    seed_description: str = Field(description="one sentence describing the starting frame")
    consistency: float = Field(
        description="0 to 1: how well the starting frame keeps the reference image's subject, "
        "face, wardrobe, palette and style (1 = the same; ignore camera framing)"
    )
    prompt: str = Field(description="the cinematic prompt for this clip")


class OpenAIAnalyzer:
    """Analyzer backed by one structured vision call."""

    name = "openai"

    def __init__(self, client: Any, model: str) -> None:
        self.client, self.model = client, model

    def analyze(self, image: Path, action: str = "") -> ImageAnalysis:
        user: list[dict[str, Any]] = [
            {"type": "text", "text": f"Planned action (may be empty): {action}"},
            {"type": "image_url", "image_url": {"url": image_data_url(image)}},
        ]
        answer = parse_structured(self.client, self.model, _ANALYZE_SYSTEM, user, AnalysisAnswer)
        found = ImageAnalysis(**answer.model_dump())
        if action:
            return ImageAnalysis(**{**found.to_dict(), "action_direction": action})
        return found


class OpenAIPromptWriter:
    """PromptWriter that makes exactly one call per chain."""

    name = "openai"

    def __init__(self, client: Any, model: str) -> None:
        self.client, self.model = client, model

    def write(self, context: PromptContext) -> ChainPrompt:
        phase = arc_phases(context.num_chains)[context.chain_index]
        analysis = context.analysis
        brief = (
            f"Action for the whole video: {context.action}\n"
            f"This is clip {context.chain_index + 1} of {context.num_chains}; "
            f"story-arc phase: {phase.value}.\n"
            f"Theme: {analysis.theme}\nBackground: {analysis.background}\n"
            f"Main subject: {analysis.main_subject}\nTone and colour: {analysis.tone_and_color}\n"
        )
        if context.scene_vision:
            brief += f"The whole story: {context.scene_vision}\n"
        if context.beat:
            brief += f"This clip's planned beat (keep what happens, add motion): {context.beat}\n"
        if context.previous_prompts:
            brief += f"Previous clip's prompt: {context.previous_prompts[-1]}\n"
        if context.frame_description:
            brief += f"The clip starts on a frame showing: {context.frame_description}\n"
        user: list[dict[str, Any]] = [{"type": "text", "text": brief}]
        sees_frame = context.seed_frame is not None and not context.frame_description
        if sees_frame:
            user += _image("The clip starts on this frame:", context.seed_frame)
            if context.reference_image is not None:
                user += _image("Reference (the input image):", context.reference_image)
        answer = parse_structured(self.client, self.model, _PROMPT_SYSTEM, user, ChainAnswer)
        # The same lock block as the offline writer, so the look stays locked word for word.
        prompt = fit_prompt(" ".join(answer.prompt.split()), "", context_lock(context))
        description = context.frame_description or (
            answer.seed_description.strip() if context.seed_frame is not None else ""
        )
        compared = sees_frame and context.reference_image is not None
        consistency = min(1.0, max(0.0, answer.consistency)) if compared else None
        return ChainPrompt(prompt, description, consistency)


def _image(caption: str, path: Path | None) -> list[dict[str, Any]]:
    if path is None:
        return []
    return [
        {"type": "text", "text": caption},
        {"type": "image_url", "image_url": {"url": image_data_url(path)}},
    ]
