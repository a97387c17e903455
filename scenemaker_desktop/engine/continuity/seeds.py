"""From a clip's raw seed frame to the frame the next chain starts from.

In order, each step optional: faces restored through fal (CodeFormer), the face
swapped back to the input's (fal face-swap), then the colour matched back to the
input image. Every step starts from what the one before produced, and the
first from the raw frame itself, so no correction is ever applied twice. The
raw and the sent frame are both kept; the drift of each is measured.

Paid steps follow the clip's rules: the request id reaches session.json before
the first poll (a resume collects it), and a submission whose answer was lost
is never sent again by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PIL import Image

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import SeedStepSpec
from scenemaker_desktop.engine.catalog.seed_steps import REFERENCE_IMAGE, SEED_IMAGE
from scenemaker_desktop.engine.continuity.colour import (
    MEASURE_SIDE,
    LabStats,
    asks_for_lighting_change,
    lab_stats,
    match_colour,
)
from scenemaker_desktop.engine.continuity.metrics import offline_consistency
from scenemaker_desktop.engine.errors import Cancelled, SceneMakerError, SubmissionLostError
from scenemaker_desktop.engine.sessions.charges import record_charge, record_lost_submission
from scenemaker_desktop.engine.sessions.model import Chain, SeedStep, Session, now_iso
from scenemaker_desktop.engine.sessions.store import SessionStore

_PERSON = re.compile(
    r"\b(person|people|man|men|woman|women|girl|boy|child|children|kid|baby|face|faces|"
    r"portrait|lady|gentleman|he|she|his|her|astronaut|actor|actress|dancer|singer|"
    r"warrior|soldier|knight|king|queen|princess|prince|bride|groom|couple|family|"
    r"teen\w*|human|selfie|character|figure|player|rider|runner|worker|chef|doctor)\b",
    re.IGNORECASE,
)


class SeedStepService(Protocol):
    """The fal calls behind the face steps (``FalSeedSteps``); a test may script its own."""

    def submit(
        self,
        step: SeedStepSpec,
        images: dict[str, Path],
        cancel: CancelToken,
        on_sending: Callable[[], None],
    ) -> str: ...

    def wait(
        self, step: SeedStepSpec, request_id: str, dest: Path, cancel: CancelToken
    ) -> Path: ...

    def cancel(self, step: SeedStepSpec, request_id: str) -> bool: ...

    def close(self) -> None: ...


def shows_a_face(analysis: dict[str, str]) -> bool:
    """Does the analysis describe someone (whose face a face step could work on)?"""
    text = " ".join(analysis.get(name, "") for name in ("main_subject", "theme"))
    return bool(_PERSON.search(text))


class SeedPreparer:
    """Turns raw seed frames into the frames sent on, for one run of one session."""

    def __init__(
        self,
        session: Session,
        store: SessionStore,
        service: SeedStepService | None,
        cancel: CancelToken,
        notice: Callable[[str], None],
    ) -> None:
        self.session, self.store, self.service = session, store, service
        self.cancel, self.notice = cancel, notice
        self.folder = store.folder(session.id)
        self.reference = self.folder / session.input_image
        self._reference_small: Image.Image | None = None
        self._reference_stats: LabStats | None = None

    @property
    def reference_small(self) -> Image.Image:
        """The input image, decoded once a run at the size every measure works at."""
        if self._reference_small is None:
            with Image.open(self.reference) as image:
                image.draft("RGB", (MEASURE_SIDE, MEASURE_SIDE))  # a JPEG decodes smaller
                small = image.convert("RGB")
            small.thumbnail((MEASURE_SIDE, MEASURE_SIDE), Image.Resampling.BILINEAR)
            self._reference_small = small
        return self._reference_small

    @property
    def reference_stats(self) -> LabStats:
        if self._reference_stats is None:
            self._reference_stats = lab_stats(self.reference_small)
        return self._reference_stats

    def prepare(self, chain: Chain, raw: Path, on_step: Callable[[str], None]) -> Path:
        """The seed to send on after ``raw``; fills the chain's records and measures."""
        current = raw
        for step in self.session.request.seed_steps:
            current = self._run_step(chain, step, current, on_step)
        with Image.open(raw) as image:
            raw_picture = image.convert("RGB")
        picture = raw_picture
        if current != raw:
            with Image.open(current) as image:
                picture = image.convert("RGB")
        sent = raw.with_name(raw.name.replace("_raw", ""))
        if self.session.request.quality_preservation:
            on_step("matching colour to the input")
            match = match_colour(picture, self.reference_stats, lighting_change=self._lighting())
            picture, chain.continuity.correction = match.image, round(match.strength, 2)
        if current == raw and not self.session.request.quality_preservation:
            sent = raw
        else:
            picture.save(sent, format="PNG")  # lossless: the next clip starts from exactly this
        self.measure_end(chain, raw_picture, picture)
        return sent

    def measure_end(
        self, chain: Chain, end_frame: Image.Image, sent: Image.Image | None = None
    ) -> None:
        """Drift of the end frame as generated (and of the seed sent on), and the offline
        consistency score."""
        measured = chain.continuity
        measured.drift_raw = round(lab_stats(end_frame).delta_e(self.reference_stats), 2)
        measured.consistency = offline_consistency(end_frame, self.reference_small)
        measured.consistency_source = "offline"
        if sent is not None:
            measured.drift = round(lab_stats(sent).delta_e(self.reference_stats), 2)

    def _lighting(self) -> bool:
        return asks_for_lighting_change(self.session.request.action)

    def _run_step(
        self, chain: Chain, step: SeedStepSpec, current: Path, on_step: Callable[[str], None]
    ) -> Path:
        record = _record(chain, step)
        if record.image and (self.folder / record.image).is_file():
            return self.folder / record.image
        if record.skipped:
            return current
        why_not = self._why_skip(chain, record)
        if why_not:
            return self._skip(chain, step, record, why_not, current)
        on_step(step.doing)
        dest = current.with_name(f"{current.stem.replace('_raw', '')}_{step.key}.png")
        result = self._collect(chain, step, record, current, dest)
        record.image = result.relative_to(self.folder).as_posix()
        self.store.save(self.session)
        return result

    def _why_skip(self, chain: Chain, record: SeedStep) -> str:
        if self.service is None:
            return "no fal key"
        if not shows_a_face(self.session.analysis):
            return "the analysis found no face"
        if record.submitting_since is not None:  # a killed run sent it and lost the answer
            steps = self.session.request.seed_steps
            price = next(s.price_usd for s in steps if s.key == record.key)
            note = record_lost_submission(
                self.session,
                chain,
                price,
                "the run stopped while it was sent",
                since=record.submitting_since,
                item=record.key,
            )
            record.submitting_since = None
            return f"{note}; it is not sent again"
        return ""

    def _collect(
        self, chain: Chain, step: SeedStepSpec, record: SeedStep, current: Path, dest: Path
    ) -> Path:
        assert self.service is not None  # _why_skip returned a reason otherwise
        if record.request_id is None:
            try:
                record.request_id = self._submit(step, record, current)
            except SubmissionLostError as exc:
                note = record_lost_submission(
                    self.session, chain, step.price_usd, str(exc),
                    since=record.submitting_since, item=step.key,
                )  # fmt: skip
                record.submitting_since = None
                if exc.cancelled:
                    self.notice(note)
                    raise Cancelled() from None
                return self._skip(chain, step, record, f"{note}; it is not sent again", current)
            except SceneMakerError as exc:  # refused before fal took it: nothing was paid
                record.submitting_since = None
                return self._skip(chain, step, record, f"fal refused it ({exc})", current)
            record_charge(self.session, chain, step.price_usd, record.request_id, step.key)
            self.store.save(self.session)  # the id is on disk before the first poll
        try:
            return self.service.wait(step, record.request_id, dest, self.cancel)
        except Cancelled:
            if not self.cancel.interrupted and self.service.cancel(step, record.request_id):
                record.request_id = None
            raise
        except SceneMakerError as exc:
            return self._skip(chain, step, record, f"fal could not do it ({exc})", current)

    def _submit(self, step: SeedStepSpec, record: SeedStep, current: Path) -> str:
        assert self.service is not None

        def sending() -> None:  # from here on fal may take (and bill) the job: note it first
            record.submitting_since = now_iso()
            self.store.save(self.session)

        images = {SEED_IMAGE: current, REFERENCE_IMAGE: self.reference}
        request_id = self.service.submit(step, images, self.cancel, sending)
        record.submitting_since = None
        return request_id

    def _skip(
        self, chain: Chain, step: SeedStepSpec, record: SeedStep, why: str, current: Path
    ) -> Path:
        """Go on without the step (the video matters more than one face), saying why."""
        record.skipped = why
        self.notice(f"chain {chain.index + 1}: {step.label} skipped: {why}")
        self.store.save(self.session)
        return current


def _record(chain: Chain, step: SeedStepSpec) -> SeedStep:
    for record in chain.seed_steps:
        if record.key == step.key:
            return record
    record = SeedStep(step.key)
    chain.seed_steps.append(record)
    return record
