"""Writing the plan: a scene vision and one beat per chain, offline or by one OpenAI call.

The offline planner follows the template story arc and splits the action into
the steps it names, so "turns, then walks to the door" gives the door its own
chain. Locked beats are never handed to a planner to rewrite: whoever writes
the plan, they are put back word for word afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.story.length import ChainChoice, action_steps, chains_for_action
from scenemaker_desktop.engine.story.plan import MAX_BEAT_CHARS, StoryPlan, clean_text, numbered
from scenemaker_desktop.engine.vision.base import ImageAnalysis
from scenemaker_desktop.engine.vision.prompts import (
    arc_step,
    clean_action,
    lock_block,
    trim_words,
)

_ASIDE_MARK = " ("


@dataclass(frozen=True)
class PlanBrief:
    """What a planner is told: the image in words, the action and the shape of the video."""

    analysis: ImageAnalysis
    action: str
    chains: ChainChoice | None
    """None: the planner chooses how many chains the action needs."""
    clip_seconds: float
    scene_vision: str = ""
    """The artist's own story, kept as written; empty: the planner writes one."""
    locked: Mapping[int, str] = field(default_factory=dict)
    """Beats (1-based) the artist locked: kept word for word."""
    character_lock: bool = True
    image: Path | None = None
    """The input image, for planners that look at it."""


def brief_for(
    request: GenerationRequest,
    analysis: ImageAnalysis,
    wishes: StoryPlan | None = None,
    image: Path | None = None,
) -> PlanBrief:
    """The brief for planning ``request``; ``wishes`` carries what the artist already decided:
    a scene vision, locked beats, or that the planner picks the chain count (``auto_chains``)."""
    wishes = wishes or StoryPlan()
    chains = None
    if not wishes.auto_chains:
        # A reason for another count (an older plan's) would be wrong for this one.
        fits = not wishes.planned or wishes.chains == request.chains
        reason = wishes.chains_reason if fits else ""
        chains = ChainChoice(request.chains, reason or f"{request.chains} chains, as set")
    return PlanBrief(
        analysis=analysis,
        action=request.action,
        chains=chains,
        clip_seconds=request.spec.clip_seconds(request.params),
        scene_vision=wishes.scene_vision,
        locked=wishes.locked_texts(),
        character_lock=request.character_lock,
        image=image,
    )


class Planner(Protocol):
    name: str

    def plan(self, brief: PlanBrief) -> StoryPlan: ...


def finish_plan(
    brief: PlanBrief, vision: str, texts: list[str], choice: ChainChoice, writer: str
) -> StoryPlan:
    """The plan as stored: beats trimmed to size, locked beats back as written, the lock block."""
    fitted = [trim_words(_sentence(text), MAX_BEAT_CHARS) for text in texts]
    return StoryPlan(
        scene_vision=brief.scene_vision or vision,
        beats=numbered(fitted, brief.locked),
        lock_block=lock_block(brief.analysis) if brief.character_lock else "",
        chains_reason=choice.reason,
        writer=writer,
    )


class OfflinePlanner:
    """Plans without a network: the action's steps laid over the template story arc."""

    name = "offline"

    def plan(self, brief: PlanBrief) -> StoryPlan:
        action = clean_action(brief.action) or clean_action(brief.analysis.action_direction)
        choice = brief.chains or chains_for_action(action)
        texts = offline_beats(action, choice.chains)
        vision = offline_vision(brief.analysis, action, choice.chains, brief.clip_seconds)
        return finish_plan(brief, vision, texts, choice, self.name)


def offline_beats(action: str, chains: int) -> list[str]:
    """One beat per chain: each chain takes its share of the action's steps, in order."""
    steps = action_steps(action)
    beats = []
    for index in range(chains):
        first = index * len(steps) // chains
        last = max(first + 1, (index + 1) * len(steps) // chains)
        share = ", then ".join(steps[first:last]) if len(steps) > 1 else action
        beats.append(arc_step(index, chains, share).beat)
    return beats


def offline_vision(analysis: ImageAnalysis, action: str, chains: int, clip_seconds: float) -> str:
    """A few sentences of the whole story from the analysis fields and the action."""
    subject = _plain(analysis.main_subject) or "The subject"
    place = _plain(analysis.background)
    look = _plain(analysis.tone_and_color)
    seconds = chains * clip_seconds
    story = [
        f"{_capital(subject)}{f', against {place}' if place else ''}.",
        f"Over {chains} clip{'s' if chains != 1 else ''} (about {seconds:.0f} s): "
        f"{action or 'subtle, natural motion'}.",
        "It opens calmly, builds through the middle and settles on a held final moment.",
        f"The look stays {look}." if look else "",
    ]
    return " ".join(part for part in story if part)


def _plain(text: str) -> str:
    # The offline analysis marks what it could not tell ("(not identified offline)").
    cut = text.split(_ASIDE_MARK, 1)[0] if text.endswith(")") else text
    return clean_action(cut)


def _sentence(text: str) -> str:
    cleaned = clean_text(text)
    return cleaned if not cleaned or cleaned[-1] in ".!?…" else cleaned + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
