"""Template prompts: a story arc over the chains, with subject, palette and style locked.

Used when there is no OpenAI key. Each prompt is the action beat for this part of
the arc, the camera and lighting for it, an optional continuity clause about the
seed frame, and a CHARACTER LOCK block that is word-for-word the same in every
chain so the video model keeps the look steady from clip to clip.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from scenemaker_desktop.engine.vision.base import ChainPrompt, ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.offline import describe_frame

# fal's image-to-video endpoints reject or silently cut long prompts; 900 leaves headroom.
PROMPT_LIMIT = 900
LOCK_FIELD_LIMIT = 150
_MIN_BEAT_CHARS = 120
_FALLBACK_ACTION = "subtle, natural motion"
_TRAILING_ASIDE = re.compile(r"\s*\([^()]*\)\s*$")


class ArcPhase(enum.Enum):
    COMPLETE = "complete"
    """A single chain tells the whole beat from start to finish."""
    ESTABLISHING = "establishing"
    SETUP = "setup"
    DEVELOPMENT = "development"
    RESOLUTION = "resolution"


_FOUR_PHASES = (ArcPhase.ESTABLISHING, ArcPhase.SETUP, ArcPhase.DEVELOPMENT, ArcPhase.RESOLUTION)

# {action} is the user's action text. Each phase has three wordings: its first chain, the
# chains in between (long arcs) and its last chain; a one-chain phase uses the first wording,
# except resolution, which must still end the story.
_BEATS: dict[ArcPhase, tuple[str, ...]] = {
    ArcPhase.COMPLETE: (
        "One continuous shot: {action}. The action begins, unfolds and reaches a natural end "
        "within the clip.",
    ),
    ArcPhase.ESTABLISHING: (
        "Opening beat: the scene breathes for a moment, then the action begins to unfold: "
        "{action}. First movements only, unhurried.",
        "Opening beat, continued: the action begins to take shape: {action}. Still calm and "
        "deliberate.",
        "Opening beat, closing: the first movement carries on: {action}, gaining clarity.",
    ),
    ArcPhase.SETUP: (
        "Setup beat: the action continues and gathers intent: {action}.",
        "Setup beat, continued: the movement grows more purposeful: {action}.",
        "Setup beat, closing: everything is in motion now: {action}, building anticipation.",
    ),
    ArcPhase.DEVELOPMENT: (
        "Development beat: the action continues with growing momentum: {action}.",
        "Development beat, continued: the motion is at its fullest: {action}.",
        "Development beat, peak: the action presses forward toward its climax: {action}.",
    ),
    ArcPhase.RESOLUTION: (
        "Resolution beat: the action nears its end: {action}, movement beginning to slow.",
        "Resolution beat, continued: the action winds down: {action}, movement slowing.",
        "Resolution beat, final: the action reaches its conclusion: {action}. It completes and "
        "settles into a calm, held final moment.",
    ),
}

_CAMERA: dict[ArcPhase, tuple[str, ...]] = {
    ArcPhase.COMPLETE: (
        "Smooth continuous camera move from the opening composition to a settled final frame.",
    ),
    ArcPhase.ESTABLISHING: (
        "Wide establishing framing, slow steady camera.",
        "Wide framing drifting gently closer, steady camera.",
        "Measured camera easing toward the subject.",
    ),
    ArcPhase.SETUP: (
        "Medium framing, gentle camera drift following the subject.",
        "Medium framing, the camera glides alongside.",
        "Medium-close framing, smooth tracking.",
    ),
    ArcPhase.DEVELOPMENT: (
        "Closer framing, smooth tracking that follows the motion.",
        "Fluid camera keeping the subject well framed as it moves.",
        "Tighter framing, steady follow with a slight push in.",
    ),
    ArcPhase.RESOLUTION: (
        "Camera begins to slow, framing widening slightly.",
        "Gentle pull back revealing the scene as the motion settles.",
        "Camera eases to a stop and holds on a lingering final composition.",
    ),
}


def arc_phases(num_chains: int) -> tuple[ArcPhase, ...]:
    """The phase of each chain, in order; every phase appears once the arc has room."""
    if num_chains < 1:
        raise ValueError(f"num_chains must be at least 1, got {num_chains}")
    if num_chains == 1:
        return (ArcPhase.COMPLETE,)
    if num_chains == 2:
        return (ArcPhase.ESTABLISHING, ArcPhase.RESOLUTION)
    if num_chains == 3:
        return (ArcPhase.ESTABLISHING, ArcPhase.DEVELOPMENT, ArcPhase.RESOLUTION)
    return tuple(_FOUR_PHASES[index * 4 // num_chains] for index in range(num_chains))


def lock_block(analysis: ImageAnalysis) -> str:
    """The CHARACTER LOCK clause; depends on the analysis only, so it never varies by chain."""
    fields = (
        ("subject", analysis.main_subject),
        ("palette", analysis.tone_and_color),
        ("style", analysis.theme),
    )
    parts = [f"{label} — {_lock_field(text)}" for label, text in fields if _lock_field(text)]
    if not parts:
        return "CHARACTER LOCK — keep the subject, palette and style identical to the first shot."
    return f"CHARACTER LOCK — keep identical in every shot: {'; '.join(parts)}."


def context_lock(context: PromptContext) -> str:
    """The lock block for this context: empty when the artist turned the character lock off."""
    return lock_block(context.analysis) if context.character_lock else ""


def fit_prompt(beat: str, rest: str, lock: str, limit: int = PROMPT_LIMIT) -> str:
    """Join the parts within ``limit`` characters, trimming the beat first, never the lock."""
    if not lock:
        return trim_words(" ".join(part for part in (beat, rest) if part), limit)
    budget = limit - len(lock) - 1
    body = " ".join(part for part in (beat, rest) if part)
    if len(body) > budget and rest:
        beat = trim_words(beat, max(budget - len(rest) - 1, _MIN_BEAT_CHARS))
        body = " ".join(part for part in (beat, rest) if part)
    body = trim_words(body, budget)
    return f"{body} {lock}" if body else lock[:limit]


def trim_words(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, marked with '…'."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return ""
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.—-") + "…"


@dataclass(frozen=True)
class ArcStep:
    """The template's words for one chain: its beat, its camera, how far into its phase."""

    beat: str
    camera: str
    progress: str


def arc_step(chain_index: int, num_chains: int, action: str) -> ArcStep:
    """The story-arc wording of chain ``chain_index`` for ``action`` (the offline beat)."""
    phases = arc_phases(num_chains)
    if not 0 <= chain_index < len(phases):
        raise ValueError(f"chain_index {chain_index} is outside 0..{num_chains - 1}")
    phase = phases[chain_index]
    occurrence = chain_index - phases.index(phase)
    count = phases.count(phase)
    variant = _variant(phase, occurrence, count)
    beat = _BEATS[phase][variant].format(action=clean_action(action) or _FALLBACK_ACTION)
    return ArcStep(beat, _CAMERA[phase][variant], _progress(occurrence, count))


class TemplatePromptWriter:
    """PromptWriter that needs no network: story-arc templates plus the offline describer.

    With a planned beat the beat says what happens; the arc still gives the camera."""

    name = "template"

    def write(self, context: PromptContext) -> ChainPrompt:
        action = clean_action(context.action) or clean_action(context.analysis.action_direction)
        step = arc_step(context.chain_index, context.num_chains, action)
        seed_description = context.frame_description
        if not seed_description and context.chain_index > 0 and context.seed_frame is not None:
            seed_description = describe_frame(context.seed_frame)
        rest = " ".join(
            part
            for part in (
                f"Continuing from: {seed_description}." if seed_description else "",
                step.camera,
                _lighting(context.analysis),
                "" if context.beat else step.progress,
            )
            if part
        )
        prompt = fit_prompt(context.beat or step.beat, rest, context_lock(context))
        return ChainPrompt(prompt=prompt, seed_description=seed_description)


def _variant(phase: ArcPhase, occurrence: int, count: int) -> int:
    if phase is ArcPhase.COMPLETE:
        return 0
    if count == 1:
        return 2 if phase is ArcPhase.RESOLUTION else 0
    if occurrence == 0:
        return 0
    return 2 if occurrence == count - 1 else 1


def _progress(occurrence: int, count: int) -> str:
    # Past three chains in one phase the middle wording repeats; this keeps prompts distinct.
    if count <= 3 or occurrence in (0, count - 1):
        return ""
    return f"Beat progress: {occurrence + 1} of {count}."


def _lighting(analysis: ImageAnalysis) -> str:
    look = f"{analysis.theme} {analysis.tone_and_color}".lower()
    if "low-key" in look or "low key" in look:
        light = "Low-key lighting with deep, soft shadows"
    elif "high-key" in look or "high key" in look:
        light = "Soft, even high-key lighting"
    else:
        light = "Natural, consistent lighting"
    return f"{light}; cinematic motion, no cuts."


def clean_action(text: str) -> str:
    return " ".join(text.split()).rstrip(" .!;,")


def _lock_field(text: str) -> str:
    # A trailing aside such as "(not identified offline)" is for the user, not the model.
    # "; " separates the lock's own fields, so a field's inner semicolons become commas.
    cleaned = _TRAILING_ASIDE.sub("", " ".join(text.split())).replace(";", ",").rstrip(" .,")
    return trim_words(cleaned, LOCK_FIELD_LIMIT)
