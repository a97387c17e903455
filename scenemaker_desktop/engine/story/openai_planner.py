"""The plan written by OpenAI: one structured call for the scene vision and every beat.

Budget: this is the session's one planning call. Chain 1's prompt is its beat
(the planner saw the input image), so a session of N chains still makes at most
N + 1 calls: the analysis, the plan, and one per later chain.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from scenemaker_desktop.engine.story.length import ChainChoice
from scenemaker_desktop.engine.story.plan import MAX_BEAT_CHARS, MAX_CHAINS, MIN_CHAINS, StoryPlan
from scenemaker_desktop.engine.story.planner import PlanBrief, finish_plan
from scenemaker_desktop.engine.vision.base import OpenAIUnavailableError
from scenemaker_desktop.engine.vision.openai_client import image_data_url, parse_structured

_PLAN_SYSTEM = (
    "You plan a longer video made of chained image-to-video clips: each clip starts on the "
    "last frame of the one before. Write the scene vision (the whole story in two to four "
    "sentences) and one beat per clip: what happens in that clip, in one or two sentences "
    f"(at most {MAX_BEAT_CHARS} characters), following a story arc from an opening to a "
    "resolution, each beat continuing from where the last one ends. Beats describe action and "
    "camera, not style: the look is locked for you. No scene cuts, no new characters unless "
    "the action asks for them."
)


class PlanAnswer(BaseModel):
    scene_vision: str = Field(description="the whole story in two to four sentences")
    chains: int = Field(description=f"how many clips ({MIN_CHAINS} to {MAX_CHAINS})")
    chains_reason: str = Field(description="why this many clips, in one short sentence")
    beats: list[str] = Field(description="one beat per clip, in order")


class OpenAIPlanner:
    """Planner backed by one structured call (it sees the input image when there is one)."""

    name = "openai"

    def __init__(self, client: Any, model: str) -> None:
        self.client, self.model = client, model

    def plan(self, brief: PlanBrief) -> StoryPlan:
        answer = parse_structured(
            self.client, self.model, _PLAN_SYSTEM, _user_message(brief), PlanAnswer
        )
        beats = [text for text in answer.beats if text.strip()]
        if brief.chains is not None:
            choice = brief.chains
        elif MIN_CHAINS <= answer.chains <= MAX_CHAINS:
            choice = ChainChoice(answer.chains, " ".join(answer.chains_reason.split()))
        else:
            raise OpenAIUnavailableError(f"OpenAI planned {answer.chains} clips")
        if len(beats) != choice.chains:
            raise OpenAIUnavailableError(
                f"OpenAI planned {len(beats)} beats for {choice.chains} clips"
            )
        vision = " ".join(answer.scene_vision.split())
        return finish_plan(brief, vision, beats, choice, self.name)


def _user_message(brief: PlanBrief) -> list[dict[str, Any]]:
    analysis = brief.analysis
    count = (
        f"Write exactly {brief.chains.chains} beats ({brief.chains.reason})."
        if brief.chains is not None
        else f"Choose how many clips ({MIN_CHAINS}-{MAX_CHAINS}) the action needs to unfold "
        "naturally, and say why."
    )
    lines = [
        f"Action for the whole video: {brief.action}",
        f"Each clip lasts about {brief.clip_seconds:g} s. {count}",
        f"Theme: {analysis.theme}",
        f"Background: {analysis.background}",
        f"Main subject: {analysis.main_subject}",
        f"Tone and colour: {analysis.tone_and_color}",
    ]
    if brief.scene_vision:
        lines.append(f"The artist's scene vision (keep it as the story): {brief.scene_vision}")
    for index, text in sorted(brief.locked.items()):
        lines.append(f"Beat {index} is fixed by the artist: {text}")
    user: list[dict[str, Any]] = [{"type": "text", "text": "\n".join(lines)}]
    if brief.image is not None:
        user += [
            {"type": "text", "text": "The first clip starts on this image:"},
            {"type": "image_url", "image_url": {"url": image_data_url(brief.image)}},
        ]
    return user
