"""What image analysis and prompt writing produce, for offline and OpenAI alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from scenemaker_desktop.engine.errors import SceneMakerError

ANALYSIS_FIELDS = ("theme", "background", "main_subject", "tone_and_color", "action_direction")


@dataclass(frozen=True)
class ImageAnalysis:
    """The five fields that describe the input image (the old app's analysis fields)."""

    theme: str
    background: str
    main_subject: str
    tone_and_color: str
    action_direction: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ImageAnalysis:
        return cls(**{name: str(data.get(name) or "") for name in ANALYSIS_FIELDS})


@dataclass(frozen=True)
class ChainPrompt:
    """The prompt for one chain, with what the writer saw in its seed frame."""

    prompt: str
    seed_description: str = ""
    consistency: float | None = None
    """How well the seed frame keeps the input image's subject and look (0–1), when the
    writer compared the two; None when it did not."""


@dataclass(frozen=True)
class PromptContext:
    """What a prompt writer knows when writing chain ``chain_index`` of ``num_chains``."""

    analysis: ImageAnalysis
    action: str
    chain_index: int
    num_chains: int
    seed_frame: Path | None
    """None for chain 0 (the input image is described by the analysis)."""
    previous_prompts: Sequence[str] = ()
    frame_description: str = ""
    """What the clip's first frame shows, when it is known in words (the old API's
    ``frame_description``); writers then use it instead of looking at ``seed_frame``."""
    scene_vision: str = ""
    """The whole story in a few sentences, when the artist wrote one."""
    reference_image: Path | None = None
    """The session's input image, for writers that compare the seed frame against it."""
    character_lock: bool = True
    """Append the CHARACTER LOCK block (the same words in every chain)."""
    beat: str = ""
    """What the plan says happens in this chain; the writer refines it, never replaces it."""


class Analyzer(Protocol):
    name: str

    def analyze(self, image: Path, action: str = "") -> ImageAnalysis: ...


class PromptWriter(Protocol):
    name: str

    def write(self, context: PromptContext) -> ChainPrompt: ...


class OpenAIUnavailableError(SceneMakerError):
    """An OpenAI call failed after its retries; the engine falls back to offline work."""
