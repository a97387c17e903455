"""The engine's front door: paths, settings, keys and sessions, wired once.

The CLI and the GUI each make one ``Studio`` and ask it for everything else,
so neither knows how sessions, generators or analysers are put together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.backends.registry import generator_for
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest, get_model
from scenemaker_desktop.engine.events import EventSink, ignore_events
from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.secrets import Secrets
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.settings import Settings
from scenemaker_desktop.engine.vision.base import Analyser, PromptWriter


@dataclass
class Studio:
    paths: AppPaths
    settings: Settings
    store: SessionStore
    secrets: Secrets

    @classmethod
    def from_environment(cls) -> Studio:
        paths = AppPaths.from_environment()
        settings = Settings.load(paths.settings_file)
        return cls(
            paths=paths,
            settings=settings,
            store=SessionStore(paths.sessions_dir(settings)),
            secrets=Secrets(paths.settings_file.parent / "keys.json"),
        )

    def default_model(self) -> str:
        """The settings' choice, else WAN with a fal key and Local Preview without."""
        if self.settings.default_model:
            return get_model(self.settings.default_model).id
        return "wan" if self.secrets.get("fal") else "local"

    def analyser(self) -> Analyser:
        return self._vision()[0]

    def prompt_writer(self) -> PromptWriter:
        return self._vision()[1]

    def _vision(self) -> tuple[Analyser, PromptWriter]:
        """OpenAI (falling back to offline) with a key; offline work without one."""
        from scenemaker_desktop.engine.vision.offline import OfflineAnalyser
        from scenemaker_desktop.engine.vision.prompts import TemplatePromptWriter

        offline, template = OfflineAnalyser(), TemplatePromptWriter()
        key = self.secrets.get("openai")
        if not key:
            return offline, template
        from scenemaker_desktop.engine.vision.fallback import FallbackAnalyser, FallbackPromptWriter
        from scenemaker_desktop.engine.vision.openai_client import make_client
        from scenemaker_desktop.engine.vision.openai_vision import (
            OpenAIAnalyser,
            OpenAIPromptWriter,
        )

        client, model = make_client(key), self.settings.openai_model
        return (
            FallbackAnalyser(OpenAIAnalyser(client, model), offline),
            FallbackPromptWriter(OpenAIPromptWriter(client, model), template),
        )

    def services_for(self, request: GenerationRequest) -> RunnerServices:
        analyser, prompt_writer = self._vision()
        return RunnerServices(generator_for(request.spec, self.secrets), analyser, prompt_writer)

    def new_session(self, image: Path, request: GenerationRequest) -> Session:
        # Fail before making a folder when the model cannot run at all.
        self.services_for(request)
        return create_session(self.store, image, request)

    def runner(
        self, on_event: EventSink = ignore_events, cancel: CancelToken | None = None
    ) -> ChainRunner:
        return ChainRunner(self.store, self.services_for, on_event, cancel)
