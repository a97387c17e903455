"""The engine's one front door: everything the app, the CLI and the REST server do.

A front makes one ``Engine`` and asks it for everything: start, run (or
resume), list, show and delete sessions; analyze an image and plan prompts;
estimate cost; check health and keys; apply settings. How paths, settings,
keys, the session store, generators and analyzers fit together is known here
only. Cancelling is the ``CancelToken`` the front hands to ``run_session`` or
``run_in_worker``: ``cancel()`` for the user, ``interrupt()`` when closing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.backends.registry import generator_for, seed_steps_for
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import (
    CostEstimate,
    GenerationRequest,
    ModelSetup,
    default_model_id,
    estimate_cost,
    get_model,
)
from scenemaker_desktop.engine.connection import ConnectionCheck, check_connection
from scenemaker_desktop.engine.events import EventSink, SessionFinishedEvent, ignore_events
from scenemaker_desktop.engine.health import Health, check_health
from scenemaker_desktop.engine.images import inspect_image
from scenemaker_desktop.engine.paths import AppPaths
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices, progress_on_disk
from scenemaker_desktop.engine.secrets import KeyInfo, Secrets
from scenemaker_desktop.engine.sessions.intake import SESSION_THUMBNAIL, create_session
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.regenerate import regenerate_from
from scenemaker_desktop.engine.sessions.store import SessionListing, SessionStore
from scenemaker_desktop.engine.settings import Settings
from scenemaker_desktop.engine.story.drafts import preview_request, render_request
from scenemaker_desktop.engine.story.plan import StoryPlan, check_plan
from scenemaker_desktop.engine.story.planner import brief_for
from scenemaker_desktop.engine.vision.base import ChainPrompt, ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.service import Vision, VisionResult


@dataclass(frozen=True)
class PromptPlan:
    """The prompts a session would use, written without generating anything."""

    analysis: ImageAnalysis
    prompts: tuple[str, ...]
    writer: str
    """Who wrote the prompts: "openai" or "template"."""
    notices: tuple[str, ...] = ()


class Engine:
    """All of SceneMaker behind one object; fronts never assemble the parts themselves."""

    def __init__(self, paths: AppPaths, settings: Settings, sessions_dir: Path | None = None):
        self.paths = paths
        self.settings = settings
        self.secrets = Secrets(paths.settings_file.parent / "keys.json")
        self._sessions_override = sessions_dir
        self._store = SessionStore(sessions_dir or paths.sessions_dir(settings))

    @classmethod
    def from_environment(cls, sessions_dir: Path | None = None) -> Engine:
        """Paths and settings as the environment says; ``sessions_dir`` pins the sessions
        folder (a render worker works in the folder its app told it)."""
        paths = AppPaths.from_environment()
        return cls(paths, Settings.load(paths.settings_file), sessions_dir)

    # -- settings, keys and health -----------------------------------------------------

    @property
    def sessions_dir(self) -> Path:
        return self._store.root

    def apply_settings(self, settings: Settings) -> None:
        """Save ``settings`` and work by them from now on (the sessions folder included)."""
        settings.save(self.paths.settings_file)
        self.settings = settings
        if self._sessions_override is None:
            self._store = SessionStore(self.paths.sessions_dir(settings))

    def default_model(self) -> str:
        """The settings' choice, else the catalog's for whether a fal key is set."""
        if self.settings.default_model:
            return get_model(self.settings.default_model).id
        return default_model_id(has_fal_key=bool(self.secrets.get("fal")))

    def health(self) -> Health:
        return check_health(self.secrets, self._store, self.default_model())

    def key_info(self, service: str) -> KeyInfo:
        return self.secrets.info(service)

    def store_key(self, service: str, value: str) -> KeyInfo:
        return self.secrets.store(service, value)

    def delete_key(self, service: str) -> None:
        self.secrets.delete(service)

    def check_connection(
        self, service: str, key: str | None = None, model: str | None = None
    ) -> ConnectionCheck:
        """Test ``key`` (default: the stored one) against ``service``; never raises."""
        return check_connection(service, key or self.secrets.get(service), model)

    # -- analysis, prompts, cost -------------------------------------------------------

    def vision(self) -> Vision:
        """OpenAI (falling back to offline work) with a key; offline work without one."""
        key = self.secrets.get("openai")
        if not key:
            return Vision()
        from scenemaker_desktop.engine.story.openai_planner import OpenAIPlanner
        from scenemaker_desktop.engine.vision.openai_client import make_client
        from scenemaker_desktop.engine.vision.openai_vision import (
            OpenAIAnalyzer,
            OpenAIPromptWriter,
        )

        client, model = make_client(key), self.settings.openai_model
        return Vision(
            OpenAIAnalyzer(client, model),
            OpenAIPromptWriter(client, model),
            OpenAIPlanner(client, model),
        )

    def analyze(self, image: Path, action: str = "") -> VisionResult[ImageAnalysis]:
        """The five analysis fields of ``image`` (checked first, like any input image)."""
        inspect_image(Path(image))
        return self.vision().analyze(Path(image), action)

    def plan_prompts(
        self,
        request: GenerationRequest,
        image: Path | None = None,
    ) -> PromptPlan:
        """Every chain's prompt for ``request``; fields it leaves blank come from ``image``."""
        vision = self.vision()
        found: Mapping[str, str] = {}
        notices: list[str] = []
        if image is not None:
            inspect_image(Path(image))
            analyzed = vision.analyze(Path(image), request.action)
            found, notices = analyzed.value.to_dict(), _noted(notices, analyzed.notice)
        analysis = ImageAnalysis.from_dict(
            {**found, **request.analysis, "action_direction": request.action}
        )
        prompts: list[str] = []
        writer = ""
        for index in range(request.chains):
            context = PromptContext(analysis, request.action, index, request.chains, None, prompts)
            written = vision.write(context)
            prompts.append(written.value.prompt)
            writer, notices = written.source, _noted(notices, written.notice)
        return PromptPlan(analysis, tuple(prompts), writer, tuple(notices))

    def plan_story(
        self,
        request: GenerationRequest,
        image: Path | None = None,
        analysis: Mapping[str, str] | None = None,
        wishes: StoryPlan | None = None,
    ) -> VisionResult[StoryPlan]:
        """The storyboard for ``request``: a scene vision and a beat per chain, nothing generated.

        ``analysis`` (the fields the artist sees) is used as given; without it ``image`` is
        analyzed first. ``wishes`` keeps the artist's decisions: its scene vision (empty: write
        one), its locked beats word for word, and ``auto_chains`` (the planner picks the count).
        OpenAI calls: one for the plan, plus one for the analysis when it is not given.
        """
        vision = self.vision()
        notices: list[str] = []
        found: Mapping[str, str] = analysis or {}
        if image is not None:
            inspect_image(Path(image))
            if analysis is None:
                analyzed = vision.analyze(Path(image), request.action)
                found, notices = analyzed.value.to_dict(), _noted(notices, analyzed.notice)
        merged = ImageAnalysis.from_dict(
            {**found, **request.analysis, "action_direction": request.action}
        )
        planned = vision.plan(brief_for(request, merged, wishes, image))
        check_plan(planned.value)
        notice = "; ".join(_noted(notices, planned.notice))
        return VisionResult(planned.value, planned.source, notice)

    def preview_request(self, request: GenerationRequest) -> GenerationRequest:
        """The free animatic of ``request``: Local Preview, clips timed like the model's,
        each beat burned in as a caption."""
        return preview_request(request)

    def render_draft(
        self, draft_id: str, model: str, overrides: Mapping[str, Any] | None = None
    ) -> Session:
        """A queued session rendering draft ``draft_id``'s plan on cloud ``model``, linked to it.

        The draft's analysis comes along, so the render spends no call on analyzing again."""
        draft = self._store.load(draft_id)
        request = render_request(draft, model, overrides)
        image = self._store.folder(draft.id) / draft.input_image
        session = self.create_session(image, request, draft.plan, draft_of=draft.id)
        with self._store.lock(session.id):
            session = self._store.load(session.id)
            session.source_name = draft.source_name
            session.analysis, session.analysis_source = dict(draft.analysis), draft.analysis_source
            self._store.save(session)
        return session

    def renders_of(self, draft_id: str) -> list[str]:
        """The sessions made from draft ``draft_id`` (newest last)."""
        return [
            listing.id
            for listing in self._store.list()
            if listing.session is not None and listing.session.draft_of == draft_id
        ]

    def write_prompt(self, context: PromptContext) -> VisionResult[ChainPrompt]:
        """One chain's prompt for ``context`` (no seed frame is looked at without one)."""
        return self.vision().write(context)

    def estimate_cost(self, setup: ModelSetup) -> CostEstimate:
        return estimate_cost(setup)

    # -- sessions ----------------------------------------------------------------------

    def ensure_runnable(self, request: GenerationRequest) -> None:
        """Raise BackendUnavailableError (e.g. a cloud model with no fal key) before any
        folder is made for a request that could not run."""
        self._services(request).generator.close()

    def create_session(
        self,
        image: Path,
        request: GenerationRequest,
        plan: StoryPlan | None = None,
        draft_of: str | None = None,
    ) -> Session:
        """Check the image, the plan and the model's backend, then make a queued session.

        A written ``plan`` must have a beat per chain; a plan without beats carries only the
        artist's wishes (scene vision, ``auto_chains``) for the run to plan with."""
        if plan is not None and plan.planned:
            check_plan(plan, request.chains)
        self.ensure_runnable(request)
        return create_session(self._store, Path(image), request, plan, draft_of)

    def run_session(
        self,
        session_id: str,
        on_event: EventSink = ignore_events,
        cancel: CancelToken | None = None,
    ) -> Session:
        """Run (or resume) a session here, to a recorded end state."""
        return ChainRunner(self._store, self._services, on_event, cancel).run(session_id)

    def create_in_worker(
        self, image: Path, request: GenerationRequest, plan: StoryPlan | None = None
    ) -> str:
        """``create_session`` in a child process (image intake holds the GIL for long)."""
        from scenemaker_desktop.engine.worker_process import create_in_worker

        if plan is not None and plan.planned:
            check_plan(plan, request.chains)  # refused here, before a process starts
        return create_in_worker(Path(image), request, self.sessions_dir, plan)

    def run_in_worker(
        self,
        session_id: str,
        on_event: EventSink,
        cancel: CancelToken,
    ) -> SessionFinishedEvent:
        """``run_session`` in a child process; blocks this thread until the run ends."""
        from scenemaker_desktop.engine.worker_process import run_in_worker

        return run_in_worker(session_id, self.sessions_dir, on_event, cancel)

    def list_sessions(self) -> list[SessionListing]:
        return self._store.list()

    def tidy(self) -> list[str]:
        """Put right what killed runs left in the sessions folder (call at start, off the
        GUI thread): newer manifests recovered, temporary files and abandoned starts removed."""
        return self._store.tidy_all()

    def session_locked(self, session_id: str) -> bool:
        """True while a live process (this one included) runs the session."""
        return self._store.locked(session_id)

    def add_notices(self, session_id: str, notices: Sequence[str]) -> None:
        """Record what the user should know about a session that is not running."""
        with self._store.lock(session_id):
            session = self._store.load(session_id)
            session.notices.extend(notices)
            self._store.save(session)

    def progress(self, session: Session) -> float:
        """How far ``session`` got (0..1), by what its session.json says."""
        return progress_on_disk(session)

    def load_session(self, session_id: str) -> Session:
        return self._store.load(session_id)

    def delete_session(self, session_id: str) -> None:
        self._store.delete(session_id)

    def regenerate_from(self, session_id: str, chain_index: int) -> Session:
        """Set chains ``chain_index``… to be made again; ``resume`` then makes them."""
        return regenerate_from(self._store, session_id, chain_index)

    def session_folder(self, session_id: str) -> Path:
        return self._store.folder(session_id)

    def input_thumbnail(self, session_id: str) -> Path:
        """The small copy of the input image every session gets when it is made."""
        return self._store.folder(session_id) / SESSION_THUMBNAIL

    def path_of(self, session: Session, relative: str | None) -> Path | None:
        """Absolute path of a file named in session.json (None stays None)."""
        return self._store.path_of(session, relative)

    def _services(self, request: GenerationRequest) -> RunnerServices:
        generator = generator_for(request.spec, self.secrets)
        return RunnerServices(generator, self.vision(), seed_steps_for(request, self.secrets))


def _noted(notices: Sequence[str], notice: str) -> list[str]:
    return [*notices, notice] if notice and notice not in notices else list(notices)
