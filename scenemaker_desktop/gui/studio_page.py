"""The studio: input on the left, previews and the queue in the middle, the model on the right.

This page owns the input (image and analysis) and turns the form into a
validated request with build_request, so the artist sees the catalog's own
message the moment a combination stops being valid.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from scenemaker_desktop.engine.catalog import (
    GenerationRequest,
    ModelSetup,
    build_request,
    estimate_cost,
    validate_setup,
)
from scenemaker_desktop.engine.errors import ImageTooLargeError, ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.images import downscale_image
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.vision.base import ImageAnalysis
from scenemaker_desktop.engine.vision.service import VisionResult
from scenemaker_desktop.gui.analysis_panel import AnalysisPanel
from scenemaker_desktop.gui.centre_switch import CentreSwitch
from scenemaker_desktop.gui.drop_zone import DropZone
from scenemaker_desktop.gui.giving_splitter import GivingSplitter
from scenemaker_desktop.gui.images import InputPreview, load_input_preview, save_pasted_image
from scenemaker_desktop.gui.job_list import JobList
from scenemaker_desktop.gui.model_panel import ModelPanel
from scenemaker_desktop.gui.preview_panel import PreviewPanel
from scenemaker_desktop.gui.story_planning import StoryPlanning
from scenemaker_desktop.gui.storyboard import Storyboard
from scenemaker_desktop.gui.widgets import MARGIN, card, label, section_title, vertical_scroll
from scenemaker_desktop.gui.worker import TaskRunner, user_message

SIDE_MIN_WIDTH = 230
CENTRE_COMFORT_WIDTH = 640
PREVIEW_COMFORT_HEIGHT = 520
"""The side panels and the queue give way before the video gets smaller than these."""
QUEUE_MIN_HEIGHT = 116
"""Room for the title and one job row; the list scrolls below that."""


@dataclass(frozen=True)
class Verdict:
    request: GenerationRequest | None
    cost: str
    detail: str
    problem: str | None
    level: str
    """"error" for a refused value, "hint" for something still missing."""
    clip: str = ""
    """One chain's clip: its length and price ("5 s · $0.20", "5 s · Free")."""

    @property
    def ready(self) -> bool:
        return self.request is not None and self.problem is None


def judge(
    model_id: str,
    action: str,
    overrides: dict[str, Any],
    analysis: dict[str, str],
    has_image: bool,
    story_problem: str | None = None,
) -> Verdict:
    """Validate the form as build_request sees it; missing image/action are hints.

    ``story_problem`` (an invalid beat, a plan that does not fit the chain count) refuses
    Generate but keeps the request, which planning again needs."""
    try:
        setup = validate_setup(model_id, overrides)
    except ValidationError as exc:
        return Verdict(None, "—", "", str(exc), "error")
    cost, detail = _cost_text(setup)
    clip = _clip_text(setup)
    if not has_image:
        return Verdict(None, cost, detail, "Add an image to generate.", "hint", clip)
    if not action.strip():
        return Verdict(None, cost, detail, "Describe the action to generate.", "hint", clip)
    try:
        request = build_request(model_id, action, overrides=overrides, analysis=analysis)
    except ValidationError as exc:  # e.g. an action longer than a request may hold
        return Verdict(None, cost, detail, str(exc), "error", clip)
    level = "error" if story_problem else "hint"
    return Verdict(request, cost, detail, story_problem, level, clip)


def _clip_text(setup: ModelSetup) -> str:
    estimate = estimate_cost(setup)
    price = f"${estimate.per_clip_usd:.2f}" if estimate.per_clip_usd else "Free"
    return f"{round(estimate.seconds_per_clip, 1):g} s · {price}"


def _cost_text(setup: ModelSetup) -> tuple[str, str]:
    estimate = estimate_cost(setup)
    clips = f"{estimate.clips} clip{'s' if estimate.clips != 1 else ''}"
    length = f"{round(estimate.seconds_per_clip, 1):g} s each"
    if estimate.per_clip_usd == 0:
        return "Free", f"{clips} · {length} · renders on this computer"
    detail = f"{clips} × ${estimate.per_clip_usd:.2f} · {length}"
    if estimate.per_seed_usd:
        faces = estimate.per_seed_usd * estimate.seeds
        detail += f" · faces ${faces:.2f} ({estimate.seeds} × ${estimate.per_seed_usd:.2f})"
    return f"${estimate.total_usd:.2f}", detail


class StudioPage(QWidget):
    """Where a job is made: the input, the model, the previews and the queue."""

    generate_requested = Signal(Path, object, object)
    """(image, GenerationRequest, the StoryPlan it follows or None)"""

    def __init__(self, engine: Engine, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.engine, self.tasks = engine, tasks
        self.image: Path | None = None
        self.fal_ready: bool | None = None
        self._intake_token = 0
        self._paste_dir: Path | None = None
        self._too_large: Path | None = None
        """The image just refused for its pixel count, while a smaller copy is on offer."""
        self.drop_zone = DropZone()
        self.analysis = AnalysisPanel()
        self.preview = PreviewPanel()
        self.jobs = JobList()
        self.model = ModelPanel()
        self.storyboard = Storyboard()
        self.planning = StoryPlanning(
            engine, tasks, self.analysis, self.model, self.storyboard, self._plan_request, self
        )
        self._build()
        self.drop_zone.file_chosen.connect(self.load_image)
        self.drop_zone.image_pasted.connect(self.paste_image)
        self.drop_zone.downscale_requested.connect(self.use_downscaled_copy)
        self.analysis.analyze_requested.connect(self.analyze)
        self.analysis.changed.connect(self.revalidate)
        self.model.changed.connect(self.revalidate)
        self.model.generate_requested.connect(self.generate)
        self.planning.changed.connect(self.revalidate)
        self.storyboard.preview_requested.connect(self.preview_for_free)
        self.revalidate()

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        self.columns = GivingSplitter(Qt.Orientation.Horizontal, 1, CENTRE_COMFORT_WIDTH)
        self.columns.setHandleWidth(MARGIN)
        self.columns.addWidget(self._input_column())
        self.columns.addWidget(self._centre_column())
        self.columns.addWidget(self.model)
        self.model.setMinimumWidth(SIDE_MIN_WIDTH + 20)
        # Extra width goes to the video; the side columns keep the size the artist gave
        # them, give way first when the window narrows, and fold away when dragged shut.
        for index, stretch in enumerate((0, 1, 0)):
            self.columns.setStretchFactor(index, stretch)
        self.columns.setCollapsible(1, False)
        self.columns.set_wanted([330, 800, 360])
        layout.addWidget(self.columns)

    def _input_column(self) -> QFrame:
        frame, layout = card("Input")
        frame.setMinimumWidth(SIDE_MIN_WIDTH)
        layout.addWidget(self.drop_zone, 1)
        layout.addWidget(vertical_scroll(self.analysis), 2)
        return frame

    def _centre_column(self) -> GivingSplitter:
        self.centre = GivingSplitter(Qt.Orientation.Vertical, 0, PREVIEW_COMFORT_HEIGHT)
        self.centre.setHandleWidth(MARGIN)
        self.centre.setChildrenCollapsible(False)
        self.switch = CentreSwitch(self.storyboard, self.preview)
        self.centre.addWidget(self.switch)
        queue, layout = card()
        layout.setContentsMargins(MARGIN - 6, MARGIN - 6, MARGIN - 6, MARGIN - 6)
        layout.setSpacing(6)
        header = QVBoxLayout()
        header.setContentsMargins(6, 0, 0, 0)
        header.addWidget(section_title("Queue"))
        layout.addLayout(header)
        self.jobs_empty = label(
            "Jobs you generate line up here. Several run at once; each keeps its chains in order.",
            "hint",
            wrap=True,
        )
        self.jobs_empty.setContentsMargins(6, 0, 6, 0)
        self.jobs_empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.jobs_empty, 1)
        layout.addWidget(self.jobs, 1)
        self.jobs.hide()
        self.jobs.model().rowsInserted.connect(self._first_job)
        queue.setMinimumHeight(QUEUE_MIN_HEIGHT)
        self.centre.addWidget(queue)
        # The player wins height: the queue keeps its size as the window grows.
        self.centre.setStretchFactor(0, 1)
        self.centre.setStretchFactor(1, 0)
        self.centre.set_wanted([640, 180])
        return self.centre

    def _first_job(self) -> None:
        self.jobs_empty.hide()
        self.jobs.show()

    # -- input -------------------------------------------------------------------------

    def load_image(self, path: Path, analyze: bool = True, name: str = "") -> None:
        """Check and show ``path`` on a worker; analyze it when it is usable.

        ``name`` is the file name to show when ``path`` is a session's copy (remix)."""
        self._intake_token += 1
        token = self._intake_token
        self.drop_zone.show_loading(name or Path(path).name)
        self.tasks.submit(
            lambda: load_input_preview(Path(path)),
            lambda preview: self._image_loaded(token, preview, analyze, name),
            lambda error: self._image_refused(token, Path(path), error),
        )

    def _image_loaded(self, token: int, preview: InputPreview, analyze: bool, name: str) -> None:
        if token != self._intake_token:
            return
        self.image = preview.path
        self.drop_zone.show_preview(preview, name)
        self.analysis.set_ready(True)
        self.revalidate()
        if analyze:
            self.analyze(new_image=True)

    def _image_refused(self, token: int, path: Path, error: BaseException) -> None:
        if token != self._intake_token:
            return
        downscalable = isinstance(error, ImageTooLargeError) and error.downscalable
        self._too_large = path if downscalable else None
        self.drop_zone.show_error(user_message(error), offer_downscale=downscalable)

    def use_downscaled_copy(self) -> None:
        """Load a smaller copy of the image just refused for its pixel count."""
        source = self._too_large
        if source is None:
            return
        self._too_large = None
        folder = self._scratch_folder()
        self.drop_zone.show_loading(f"a smaller copy of {source.name}")
        self.tasks.submit(
            lambda: downscale_image(source, folder),
            lambda copy: self.load_image(copy, name=f"{source.name} (downscaled)"),
            lambda error: self.drop_zone.show_error(user_message(error)),
        )

    def _scratch_folder(self) -> Path:
        """Where pasted images and downscaled copies wait until a session copies them."""
        if self._paste_dir is None:
            self._paste_dir = Path(tempfile.mkdtemp(prefix="scenemaker-input-"))
        return self._paste_dir

    def remove_scratch(self) -> None:
        """Delete pasted images and downscaled copies (sessions hold their own copies)."""
        if self._paste_dir is not None:
            shutil.rmtree(self._paste_dir, ignore_errors=True)
            self._paste_dir = None

    def paste_image(self, image: QImage) -> None:
        folder = self._scratch_folder()
        self.tasks.submit(
            lambda: save_pasted_image(image, folder),
            self.load_image,
            lambda error: self.drop_zone.show_error(user_message(error)),
        )

    def analyze(self, new_image: bool = False) -> None:
        if self.image is None:
            return
        image, action, engine = self.image, self.analysis.action_text(), self.engine
        token = self._intake_token
        self.analysis.set_busy()

        def done(result: VisionResult[ImageAnalysis]) -> None:
            if token != self._intake_token:
                return
            self.analysis.set_analysis(
                result.value, result.source, result.notice, new_image=new_image
            )
            if new_image:
                self.switch.show_storyboard()
            self.planning.analysis_finished(new_image)

        # Choosing the analyzer reads the keyring, so that happens on the worker too.
        self.tasks.submit(
            lambda: engine.analyze(image, action),
            done,
            lambda error: self.analysis.set_failed(user_message(error)),
        )

    # -- the request -------------------------------------------------------------------

    def verdict(self) -> Verdict:
        return judge(
            self.model.model_id(),
            self.analysis.action_text(),
            self.model.overrides(),
            self.analysis.analysis_values(),
            self.image is not None,
            self.storyboard.problem(self.model.chains()),
        )

    def _plan_request(self) -> tuple[GenerationRequest | None, Path | None]:
        """What planning works from: the form's request, whatever the plan's own state."""
        verdict = judge(
            self.model.model_id(),
            self.analysis.action_text(),
            self.model.overrides(),
            self.analysis.analysis_values(),
            self.image is not None,
        )
        return verdict.request, self.image

    def revalidate(self) -> None:
        verdict = self.verdict()
        spec = self.model.spec()
        needs_key = spec.needs_fal and self.fal_ready is False
        note = (
            f"{spec.display_name} runs on fal.ai: add your fal key in Settings."
            if needs_key
            else None
        )
        self.model.show_key_note(note)
        self.storyboard.set_terms(verdict.clip)
        self.storyboard.set_render_model(spec.display_name if spec.needs_fal else None)
        self.model.show_verdict(
            verdict.cost,
            verdict.detail,
            verdict.problem,
            verdict.level,
            verdict.ready and not needs_key,
        )

    def generate(self) -> None:
        verdict = self.verdict()
        if not verdict.ready or not self.model.generate_button.isEnabled():
            return
        assert verdict.request is not None and self.image is not None
        plan = self.planning.plan_for(verdict.request)
        self.generate_requested.emit(self.image, verdict.request, plan)

    def preview_for_free(self) -> None:
        """The plan as a free animatic: Local Preview, the model's clip length, captions."""
        verdict = self.verdict()
        if not verdict.ready:
            self.storyboard.set_note(verdict.problem or "")
            return
        assert verdict.request is not None and self.image is not None
        # A catalog computation, no I/O: nothing to hand to a worker.
        request = self.engine.preview_request(verdict.request)
        self.generate_requested.emit(self.image, request, self.planning.plan_for(request))

    def remix(self, session: Session, folder: Path) -> None:
        """Load a stored session's parameters, action, analysis and input image."""
        request = session.request
        self.model.load(request.model, {**request.params, **request.session_values()})
        analysis = {**session.analysis, **request.analysis}
        self.analysis.set_values(request.action, analysis)
        self.analysis.show_status("From the remixed session · Analyze describes the image anew")
        if session.plan is not None and session.plan.planned:
            self.planning.use_plan(session.plan)
        self.load_image(folder / session.input_image, analyze=False, name=session.source_name)
