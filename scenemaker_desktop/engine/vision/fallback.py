"""Cloud first, offline when the cloud fails — and the user is told.

A failed OpenAI call must never fail a session: the offline analyser or the
template writer takes over and ``notice`` says what happened, which the runner
passes on as an event and records in session.json.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scenemaker_desktop.engine.vision.base import (
    Analyser,
    ChainPrompt,
    ImageAnalysis,
    PromptContext,
    PromptWriter,
)
from scenemaker_desktop.engine.vision.openai_client import OpenAIUnavailableError

log = logging.getLogger(__name__)


class FallbackAnalyser:
    def __init__(self, primary: Analyser, fallback: Analyser) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = primary.name
        self.notice = ""

    def analyse(self, image: Path, action: str = "") -> ImageAnalysis:
        try:
            self.name, self.notice = self.primary.name, ""
            return self.primary.analyse(image, action)
        except OpenAIUnavailableError as exc:
            log.warning("analysis fell back to %s: %s", self.fallback.name, exc)
            self.name = self.fallback.name
            self.notice = f"{exc}; using the offline analysis instead"
            return self.fallback.analyse(image, action)


class FallbackPromptWriter:
    def __init__(self, primary: PromptWriter, fallback: PromptWriter) -> None:
        self.primary, self.fallback = primary, fallback
        self.name = primary.name
        self.notice = ""

    def write(self, context: PromptContext) -> ChainPrompt:
        try:
            self.name, self.notice = self.primary.name, ""
            return self.primary.write(context)
        except OpenAIUnavailableError as exc:
            log.warning("prompt fell back to %s: %s", self.fallback.name, exc)
            self.name = self.fallback.name
            self.notice = f"{exc}; chain {context.chain_index + 1} uses the template prompt"
            return self.fallback.write(context)
