"""The chain runner: one session, its chains in order, then the final assembly.

State reaches disk before every step that depends on it (the prompt before
generating, the request id before polling, the seed frame before the next
chain), so a crash at any point resumes from the first unfinished chain and a
cloud request whose id was saved is re-polled, never paid for twice.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from scenemaker_desktop.engine import media
from scenemaker_desktop.engine.backends.base import ClipJob, ClipProgress, ClipResult, Generator
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import GenerationRequest, estimate_cost
from scenemaker_desktop.engine.catalog.animatic import wants_captions
from scenemaker_desktop.engine.clip_requests import ClipRequests
from scenemaker_desktop.engine.continuity.seams import measure_seams
from scenemaker_desktop.engine.continuity.seeds import SeedPreparer, SeedStepService
from scenemaker_desktop.engine.errors import Cancelled, SceneMakerError
from scenemaker_desktop.engine.events import (
    ChainFinishedEvent,
    EventSink,
    NoticeEvent,
    Phase,
    ProgressEvent,
    SessionFinishedEvent,
    Step,
    ignore_events,
)
from scenemaker_desktop.engine.media.captions import burn_caption
from scenemaker_desktop.engine.sessions.model import (
    Chain,
    ChainStatus,
    Session,
    SessionStatus,
    now_iso,
)
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.story.chain_prompts import SessionWords
from scenemaker_desktop.engine.vision.service import Vision

log = logging.getLogger(__name__)

FINAL_VIDEO = "final.mp4"
CHAINS_DIR = "chains"
# Share of the overall progress bar each phase takes.
_ANALYSIS_SHARE, _CHAINS_SHARE = 0.03, 0.90


@dataclass(frozen=True)
class RunnerServices:
    """What a session needs from the outside world, chosen per request."""

    generator: Generator
    vision: Vision
    seed_steps: SeedStepService | None = None
    """The fal calls behind the face steps; None when the request asks for none (or no key)."""


ServiceFactory = Callable[[GenerationRequest], RunnerServices]


class ChainRunner:
    """Runs (or resumes) sessions to a recorded end state. One instance per thread."""

    def __init__(
        self,
        store: SessionStore,
        services: ServiceFactory,
        on_event: EventSink = ignore_events,
        cancel: CancelToken | None = None,
    ) -> None:
        self.store = store
        self.services = services
        self.on_event = on_event
        self.cancel = cancel or CancelToken()

    def run(self, session_id: str) -> Session:
        """Run the session to completion, failure or cancel; return its final state."""
        with self.store.lock(session_id):
            self.store.put_right_locked(session_id)  # what a killed run of it left behind
            session = self.store.load(session_id)
            if session.status is SessionStatus.COMPLETED:
                self._finished(session)
                return session
            run = _SessionRun(self, session)
            try:
                return run.execute()
            finally:
                run.services.generator.close()
                if run.services.seed_steps is not None:
                    run.services.seed_steps.close()

    def _finished(self, session: Session) -> None:
        final = self.store.path_of(session, session.final_video)
        self.on_event(
            SessionFinishedEvent(session.id, session.status, final, session.error, session.cost_usd)
        )


class _SessionRun:
    """The state of one run of one session (lives only inside ChainRunner.run)."""

    def __init__(self, runner: ChainRunner, session: Session) -> None:
        self.runner = runner
        self.store = runner.store
        self.session = session
        self.folder = self.store.folder(session.id)
        self.request = session.request
        self.services = runner.services(self.request)
        self.cancel = runner.cancel
        self.requests = ClipRequests(
            session,
            self.store,
            self.services.generator,
            self.cancel,
            self._notice,
            estimate_cost(self.request).per_clip_usd,
        )
        self.seeds = SeedPreparer(
            session, self.store, self.services.seed_steps, self.cancel, self._notice
        )
        self.words = SessionWords(session, self.folder, self.services.vision, self._notice)

    def execute(self) -> Session:
        session = self.session
        session.status, session.error = SessionStatus.RUNNING, None
        self.store.save(session)
        try:
            self._analyze()
            self._plan()
            for chain in session.chains:
                if chain.status is not ChainStatus.COMPLETED:
                    self._run_chain(chain)
            self._assemble()
            session.status = SessionStatus.COMPLETED
        except Cancelled:
            if self.cancel.interrupted:
                # The running chain stays `running` with its request id: resume re-polls it.
                self.session.status, self.session.error = SessionStatus.INTERRUPTED, None
            else:
                self.requests.cancel_saved()
                self._mark_stopped(SessionStatus.CANCELLED, ChainStatus.CANCELLED, None)
        except SceneMakerError as exc:
            self._mark_stopped(SessionStatus.FAILED, ChainStatus.FAILED, str(exc))
        except Exception as exc:
            self._mark_stopped(SessionStatus.FAILED, ChainStatus.FAILED, f"internal error: {exc}")
            self.store.save(session)
            self.runner._finished(session)
            raise
        self.store.save(session)
        self.runner._finished(session)
        return session

    def _mark_stopped(
        self, status: SessionStatus, chain_status: ChainStatus, error: str | None
    ) -> None:
        self.session.status, self.session.error = status, error
        for chain in self.session.chains:
            if chain.status is ChainStatus.RUNNING:
                chain.status, chain.error, chain.finished_at = chain_status, error, now_iso()

    # -- steps -------------------------------------------------------------------------

    def _progress(
        self, overall: float, operation: str, step: Step, queue_position: int | None = None
    ) -> None:
        overall = min(max(overall, 0.0), 1.0)
        event = ProgressEvent(
            self.session.id, overall, operation, step, queue_position, self.session.cost_usd
        )
        self.runner.on_event(event)

    def _analyze(self) -> None:
        if self.session.analysis:
            return
        self.cancel.raise_if_cancelled()
        self._progress(0.0, "Analyzing the image", Step(Phase.ANALYZING))
        typed = dict(self.request.analysis)
        image = self.folder / self.session.input_image
        found = self.services.vision.analyze(image, self.request.action)
        merged = {**found.value.to_dict(), **typed, "action_direction": self.request.action}
        self.session.analysis = merged
        self.session.analysis_source = found.source
        self._notice(found.notice)
        self.store.save(self.session)
        self._progress(_ANALYSIS_SHARE, "Image analyzed", Step(Phase.ANALYZING, fraction=1.0))

    def _notice(self, message: str) -> None:
        """Record and pass on what the user should know (e.g. OpenAI failed, offline took over)."""
        if message:
            self.session.notices.append(message)
            self.runner.on_event(NoticeEvent(self.session.id, message))

    def _chain_span(self, index: int) -> tuple[float, float]:
        width = _CHAINS_SHARE / len(self.session.chains)
        return _ANALYSIS_SHARE + index * width, width

    def _run_chain(self, chain: Chain) -> None:
        self.cancel.raise_if_cancelled()
        start, width = self._chain_span(chain.index)
        total = len(self.session.chains)
        label = f"Chain {chain.index + 1}/{total}"
        chain.status, chain.error, chain.started_at = ChainStatus.RUNNING, None, now_iso()
        self._progress(
            start, f"{label}: writing the prompt", Step(Phase.PROMPTING, chain.index, 0.0)
        )
        self._write_prompt(chain)
        result = self.requests.make(
            chain, self._job(chain), self._reporter(chain, label, start, width)
        )
        self._finish_chain(chain, result, label, start + width)

    def _previous(self, chain: Chain) -> Chain | None:
        return self.session.chains[chain.index - 1] if chain.index > 0 else None

    def _seed_image(self, chain: Chain) -> Path:
        previous = self._previous(chain)
        if previous is None or previous.seed_frame is None:
            return self.folder / self.session.input_image
        return self.folder / previous.seed_frame

    def _plan(self) -> None:
        self.cancel.raise_if_cancelled()
        planning = Step(Phase.PLANNING)
        self._progress(_ANALYSIS_SHARE, "Planning the story", planning)
        if self.words.plan():
            self.request = self.session.request  # a planner that chose the count changed it
            self.store.save(self.session)

    def _write_prompt(self, chain: Chain) -> None:
        if not chain.prompt:
            previous = self._previous(chain)
            written = self.words.write(chain, self._seed_image(chain) if previous else None)
            if previous is not None and written.consistency is not None:
                # The writer looked at the previous chain's end next to the input image.
                previous.continuity.consistency = round(written.consistency, 2)
                previous.continuity.consistency_source = chain.prompt_source
        self.store.save(self.session)

    def _job(self, chain: Chain) -> ClipJob:
        previous = self._previous(chain)
        continuation = None
        if previous is not None:
            continuation = {
                "previous_state": previous.generator_state,
                "seed_frame_index": previous.seed_frame_index,
            }
        (self.folder / CHAINS_DIR).mkdir(exist_ok=True)
        return ClipJob(
            chain_index=chain.index,
            prompt=chain.prompt,
            seed_image=self._seed_image(chain),
            source_image=self.folder / self.session.input_image,
            params=self.request.params,
            output=self.folder / CHAINS_DIR / f"chain_{chain.index + 1:02d}.mp4",
            continuation=continuation,
            action=self.request.action,
            num_chains=len(self.session.chains),
            preserve_quality=self.request.quality_preservation,
        )

    def _reporter(
        self, chain: Chain, label: str, start: float, width: float
    ) -> Callable[[ClipProgress], None]:
        def report(progress: ClipProgress) -> None:
            fraction = progress.fraction or 0.0
            queued = progress.queue_position is not None
            phase = Phase.QUEUED if queued else Phase.GENERATING
            self._progress(
                start + width * 0.9 * fraction,
                f"{label}: {progress.message}",
                Step(phase, chain.index, fraction),
                progress.queue_position,
            )

        return report

    def _finish_chain(self, chain: Chain, result: ClipResult, label: str, end: float) -> None:
        self.cancel.raise_if_cancelled()
        is_last = chain.index == len(self.session.chains) - 1
        video = result.video
        step = Step(Phase.SEED_FRAME, chain.index)

        def on_step(doing: str) -> None:
            self._progress(end - 0.01, f"{label}: {doing}", step)

        if not is_last:
            on_step("choosing the seed frame")
            raw_path = video.with_name(video.stem + "_seed_raw.png")
            if self.request.seam == "fast":
                seed = media.last_frame(video, raw_path, cancel=self.cancel)
            else:
                seed = media.best_seed_frame(video, raw_path, cancel=self.cancel)
            sent = self.seeds.prepare(chain, seed.path, on_step)
            chain.seed_frame, chain.seed_frame_raw = self._relative(sent), self._relative(seed.path)
            chain.seed_frame_index = seed.index
        else:
            self._measure_last(chain, video)
        self._caption(chain, video)
        thumb = media.thumbnail(video, video.with_name(video.stem + "_thumb.jpg"))
        chain.video, chain.thumbnail = self._relative(video), self._relative(thumb)
        chain.generator_state = dict(result.state)
        chain.status, chain.finished_at = ChainStatus.COMPLETED, now_iso()
        self.store.save(self.session)
        self.runner.on_event(
            ChainFinishedEvent(
                self.session.id,
                chain.index,
                video,
                thumb,
                self.store.path_of(self.session, chain.seed_frame),
                chain.prompt,
            )
        )
        self._progress(end, f"{label}: done", Step(Phase.CHAIN_DONE, chain.index, 1.0))

    def _caption(self, chain: Chain, video: Path) -> None:
        """The animatic shows its beat on screen, burned in once the seed frame is taken."""
        beat = self.session.plan.beat(chain.index) if self.session.plan else None
        if beat is not None and wants_captions(self.request):
            burn_caption(video, f"{beat.index}. {beat.text}", cancel=self.cancel)

    def _measure_last(self, chain: Chain, video: Path) -> None:
        """The last chain seeds nothing; its end frame is still measured for the artist."""
        with tempfile.TemporaryDirectory(prefix="scenemaker-end-") as tmp:
            end = media.last_frame(video, Path(tmp, "end.png"), cancel=self.cancel)
            with Image.open(end.path) as image:
                self.seeds.measure_end(chain, image.convert("RGB"))

    def _assemble(self) -> None:
        self.cancel.raise_if_cancelled()
        assembling = "Assembling the final video"
        self._progress(_ANALYSIS_SHARE + _CHAINS_SHARE, assembling, Step(Phase.ASSEMBLING))
        exact = self.request.seam == "exact"
        cuts = [
            media.ClipCut(
                self.folder / str(chain.video),
                chain.seed_frame_index if exact and chain.seed_frame_index is not None else None,
            )
            for chain in self.session.chains
        ]
        mode = media.SeamMode.EXACT if exact else media.SeamMode.FAST
        share = 1.0 - _ANALYSIS_SHARE - _CHAINS_SHARE

        def report(fraction: float) -> None:
            overall = _ANALYSIS_SHARE + _CHAINS_SHARE + share * fraction
            self._progress(overall, assembling, Step(Phase.ASSEMBLING, fraction=fraction))

        media.assemble(
            cuts,
            self.folder / FINAL_VIDEO,
            mode=mode,
            crossfade=self.request.crossfade,
            cancel=self.cancel,
            on_progress=report,
        )
        self.session.final_video = FINAL_VIDEO
        measure_seams(self.session, self.folder, self.cancel)
        self._progress(1.0, "Done", Step(Phase.DONE, fraction=1.0))

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()



def progress_on_disk(session: Session) -> float:
    """How far a session got (0..1) by what session.json says, on the runner's own scale."""
    if session.status is SessionStatus.COMPLETED:
        return 1.0
    if not session.analysis:
        return 0.0
    done = session.completed_chains / max(len(session.chains), 1)
    return _ANALYSIS_SHARE + _CHAINS_SHARE * done
