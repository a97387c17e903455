"""The storyboard's plan: written once after an analysis, rewritten on request, kept on disk.

Planning with an OpenAI key costs a call, so it never runs on a keystroke or a
chain-count change: only once after each new image's analysis, and when the
artist presses Re-plan or the scene vision's Update. Whatever the artist locked
is handed to the planner as a wish and comes back word for word.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.engine.vision.service import VisionResult
from scenemaker_desktop.gui.analysis_panel import AnalysisPanel
from scenemaker_desktop.gui.job import ChainPreview, Job
from scenemaker_desktop.gui.model_panel import ModelPanel
from scenemaker_desktop.gui.storyboard import Storyboard
from scenemaker_desktop.gui.worker import TaskRunner, user_message

log = logging.getLogger(__name__)
SAVE_DELAY_MS = 1500
"""Edits are saved this long after the last one, so typing does not write on every key."""
NEEDS_ACTION = "Describe the action (and add an image) to plan the story"


class StoryPlanning(QObject):
    changed = Signal()
    """The plan was replaced or edited: whether Generate may run can have changed."""

    def __init__(
        self,
        engine: Engine,
        tasks: TaskRunner,
        analysis: AnalysisPanel,
        model: ModelPanel,
        storyboard: Storyboard,
        request: Callable[[], tuple[GenerationRequest | None, Path | None]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine, self.tasks = engine, tasks
        self.analysis, self.model, self.storyboard = analysis, model, storyboard
        self._request = request
        """The form's request (None while it has no action) and the input image."""
        self._token = 0
        self._asked: int | None = None
        """The plan asked for and not answered yet, if any."""
        self._following: Job | None = None
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save)
        storyboard.edited.connect(self._edited)
        storyboard.replan_requested.connect(self.replan)
        analysis.vision_update_requested.connect(self.update_vision)
        analysis.vision_edited.connect(self._save_timer.start)
        analysis.changed.connect(self._inputs_changed)

    # -- writing the plan --------------------------------------------------------------

    def analysis_finished(self, new_image: bool) -> None:
        """Plan once for a new image; a fresh analysis of the same one only marks it stale."""
        if new_image or self.storyboard.current_plan() is None:
            self._plan(None, "Planning the story…")

    def replan(self) -> None:
        """Rewrite the unlocked beats; the locked ones and the scene vision stay as written."""
        self._plan(self.current_plan(), "Re-planning the unlocked beats…")

    def update_vision(self) -> None:
        """Rewrite the scene vision (and the unlocked beats) from the current fields."""
        plan = self.current_plan()
        wishes = replace(plan, scene_vision="") if plan is not None else None
        self._plan(wishes, "Writing the scene vision…")

    @property
    def busy(self) -> bool:
        """A plan is being written."""
        return self._asked is not None

    def current_plan(self) -> StoryPlan | None:
        """The working plan with the scene vision as the analysis column shows it."""
        plan = self.storyboard.current_plan()
        if plan is None:
            return None
        return replace(plan, scene_vision=self.analysis.vision_text())

    def plan_for(self, request: GenerationRequest) -> StoryPlan | None:
        """The plan a run of ``request`` follows: the working plan when its beats fit."""
        plan = self.current_plan()
        return plan if plan is not None and plan.chains == request.chains else None

    def _plan(self, wishes: StoryPlan | None, doing: str) -> None:
        request, image = self._request()
        if request is None:
            self.storyboard.set_note(NEEDS_ACTION)
            return
        if self.model.auto_chains():
            wishes = replace(wishes or StoryPlan(), auto_chains=True)
        self._token += 1
        self._asked = self._token
        token, engine, analysis = self._token, self.engine, self.analysis.analysis_values()
        self.storyboard.set_busy(doing)
        # Choosing the planner reads the keyring, so that happens on the worker too.
        self.tasks.submit(
            lambda: engine.plan_story(request, image, analysis, wishes),
            lambda result: self._planned(token, result, wishes),
            lambda error: self._failed(token, error),
        )

    def _planned(
        self, token: int, result: VisionResult[StoryPlan], wishes: StoryPlan | None
    ) -> None:
        if token != self._token:
            return  # a newer plan was asked for meanwhile
        self._asked = None
        plan = result.value
        if wishes is None or not wishes.scene_vision:
            self.analysis.suggest_vision(plan.scene_vision)
        if wishes is not None and wishes.auto_chains:
            self.model.set_chains(plan.chains)
            self.model.length.show_reason(f"The planner chose: {plan.chains_reason}")
        self.storyboard.show_plan(plan)
        self.storyboard.set_note(result.notice)
        self.changed.emit()
        self._save_timer.start()

    def _failed(self, token: int, error: BaseException) -> None:
        if token == self._token:
            self._asked = None
            self.storyboard.set_note(f"Planning failed: {user_message(error)}")

    def _edited(self) -> None:
        self.changed.emit()
        self._save_timer.start()

    def _inputs_changed(self) -> None:
        """The plan was written from other words: say so (planning again costs a call)."""
        if self.storyboard.current_plan() is not None:
            self.storyboard.set_stale(True)
            self._save_timer.start()

    def use_plan(self, plan: StoryPlan) -> None:
        """Make ``plan`` (a remixed session's) the working plan."""
        self.storyboard.show_plan(plan)
        self.analysis.set_vision(plan.scene_vision)
        self.changed.emit()

    # -- following a run ---------------------------------------------------------------

    def follow(self, job: Job) -> None:
        """Give the cards what each chain of ``job`` was sent, as the chains finish."""
        if self._following is not None:
            self._following.chain_ready.disconnect(self._chain_ready)
        self._following = job
        job.chain_ready.connect(self._chain_ready)

    def _chain_ready(self, preview: ChainPreview) -> None:
        job, engine = self._following, self.engine
        if job is None or job.session_id is None:
            return
        session_id = job.session_id
        self.tasks.submit(
            lambda: engine.load_session(session_id),
            lambda session: self._show_chain(session, preview),
        )

    def _show_chain(self, session: Session, preview: ChainPreview) -> None:
        chain = session.chains[preview.index]
        prompt = chain.prompt or preview.prompt
        self.storyboard.show_chain(preview.index, preview.image, prompt, chain.seed_description)

    # -- kept on disk ------------------------------------------------------------------

    def saved(self) -> dict[str, Any]:
        """The storyboard as Settings.storyboard keeps it."""
        plan = self.current_plan()
        if plan is None or not plan.planned:
            return {}
        return {"plan": plan.to_json(), "stale": self.storyboard.stale}

    def save(self) -> None:
        settings, engine = self.engine.settings, self.engine
        settings.storyboard = self.saved()
        self.tasks.submit(
            lambda: engine.apply_settings(settings),
            None,
            lambda error: log.warning("storyboard not saved: %s", user_message(error)),
        )

    def restore(self, data: dict[str, Any]) -> None:
        """Show the storyboard the artist left (an unreadable one is dropped, with a warning)."""
        if not data:
            return
        try:
            plan = StoryPlan.from_json(data.get("plan"), "the saved storyboard")
        except ValidationError as exc:
            log.warning("%s", exc)
            return
        self.storyboard.show_plan(plan, stale=bool(data.get("stale")))
        self.analysis.set_vision(plan.scene_vision)
        self._save_timer.stop()  # setting the vision is not an edit
