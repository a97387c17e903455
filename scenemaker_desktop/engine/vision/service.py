"""Analysis and chain prompts for the engine: OpenAI first when a key is set, offline else.

A failed OpenAI call must never fail a session: the offline analyzer or the
template writer takes over, and the result says so (``notice``), which the
runner records in session.json and passes on as an event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.engine.story.planner import OfflinePlanner, PlanBrief, Planner
from scenemaker_desktop.engine.vision.base import (
    Analyzer,
    ChainPrompt,
    ImageAnalysis,
    OpenAIUnavailableError,
    PromptContext,
    PromptWriter,
)
from scenemaker_desktop.engine.vision.offline import OfflineAnalyzer
from scenemaker_desktop.engine.vision.prompts import TemplatePromptWriter

log = logging.getLogger(__name__)
T = TypeVar("T")
W = TypeVar("W", Analyzer, PromptWriter, Planner)


@dataclass(frozen=True)
class VisionResult(Generic[T]):
    """What a vision step produced, who produced it, and what the user should know."""

    value: T
    source: str
    """The analyzer's or writer's name: "openai", "offline", "template"."""
    notice: str = ""
    """Non-empty when the cloud failed and the offline work took over."""


class Vision:
    """Analyzes images, plans stories and writes chain prompts, falling back to offline work.

    With no cloud analyzer or writer given it works offline only.
    """

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        writer: PromptWriter | None = None,
        planner: Planner | None = None,
    ) -> None:
        self._analyzer, self._writer, self._planner = analyzer, writer, planner
        self._offline, self._template = OfflineAnalyzer(), TemplatePromptWriter()
        self._offline_planner = OfflinePlanner()

    def analyze(self, image: Path, action: str = "") -> VisionResult[ImageAnalysis]:
        return _with_fallback(
            self._analyzer,
            self._offline,
            lambda analyzer: analyzer.analyze(image, action),
            "using the offline analysis instead",
        )

    def write(self, context: PromptContext) -> VisionResult[ChainPrompt]:
        return _with_fallback(
            self._writer,
            self._template,
            lambda writer: writer.write(context),
            f"chain {context.chain_index + 1} uses the template prompt",
        )

    def plan(self, brief: PlanBrief) -> VisionResult[StoryPlan]:
        return _with_fallback(
            self._planner,
            self._offline_planner,
            lambda planner: planner.plan(brief),
            "the offline planner wrote the plan instead",
        )

    def write_offline(self, context: PromptContext) -> ChainPrompt:
        """The template's prompt: no call, for a chain whose beat the planner already wrote."""
        return self._template.write(context)


def _with_fallback(
    primary: W | None, offline: W, call: Callable[[W], T], instead: str
) -> VisionResult[T]:
    if primary is not None:
        try:
            return VisionResult(call(primary), primary.name)
        except OpenAIUnavailableError as exc:
            log.warning("%s fell back to %s: %s", primary.name, offline.name, exc)
            return VisionResult(call(offline), offline.name, f"{exc}; {instead}")
    return VisionResult(call(offline), offline.name)
