"""How many chains: from a length in seconds, or from how much the action asks to happen."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from scenemaker_desktop.engine.catalog.request import ModelSetup
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.story.plan import MAX_CHAINS, MIN_CHAINS

# A length a hair over a whole number of clips (30.2 s of 5 s clips) is not one more clip.
_SLACK_S = 0.25
# Where an action names its steps: "turns, then walks to the door and opens it".
_STEP_BREAK = re.compile(
    r"\s*(?:[;.!?]+|,?\s+(?:and\s+)?then\s+|,?\s+after\s+that\s+|,?\s+finally\s+|,\s+and\s+|,\s+)\s*",
    re.IGNORECASE,
)
_MIN_STEP_WORDS = 2


@dataclass(frozen=True)
class ChainChoice:
    """A chain count and why, in words the artist reads next to it."""

    chains: int
    reason: str


def chains_for_duration(setup: ModelSetup, seconds: float) -> ChainChoice:
    """The fewest chains of ``setup``'s clips that last ``seconds`` (crossfades included)."""
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValidationError("the target length must be more than 0 seconds")
    clip = setup.spec.clip_seconds(setup.params)
    step = clip - setup.crossfade
    chains = max(MIN_CHAINS, math.ceil((seconds - setup.crossfade - _SLACK_S) / step))
    if chains > MAX_CHAINS:
        longest = MAX_CHAINS * clip - (MAX_CHAINS - 1) * setup.crossfade
        raise ValidationError(
            f"{seconds:g} s needs {chains} chains of {clip:g} s with {setup.spec.display_name}; "
            f"at most {MAX_CHAINS} ({longest:g} s) — choose longer clips or a shorter length"
        )
    total = chains * clip - (chains - 1) * setup.crossfade
    return ChainChoice(
        chains, f"{seconds:g} s at {clip:g} s a clip: {_count(chains)} (≈ {total:g} s)"
    )


def action_steps(action: str) -> list[str]:
    """The steps an action names, in order; a short fragment joins the step before it."""
    steps: list[str] = []
    for part in _STEP_BREAK.split(action.strip()):
        part = part.strip(" ,")
        if not part:
            continue
        if steps and len(part.split()) < _MIN_STEP_WORDS:
            steps[-1] = f"{steps[-1]}, {part}"
        else:
            steps.append(part)
    return steps or [action.strip()]


def chains_for_action(action: str) -> ChainChoice:
    """The offline choice for ``--chains auto``: an opening beat, then one chain per step."""
    steps = action_steps(action)
    chains = min(MAX_CHAINS, max(2, len(steps) + 1)) if len(steps) > 1 else 2
    if len(steps) == 1:
        reason = "one continuous action: an opening beat and its resolution (2 chains)"
    else:
        reason = f"{len(steps)} steps in the action: an opening beat and one per step"
        if chains < len(steps) + 1:
            reason += f", folded into the {MAX_CHAINS}-chain limit"
        reason += f" ({_count(chains)})"
    return ChainChoice(chains, reason)


def _count(chains: int) -> str:
    return f"{chains} chain{'s' if chains != 1 else ''}"
