"""Continuity in a real run: a generator that drifts on purpose, seeds corrected and measured,
face steps priced, logged, skipped with a note when there is no face, and never paid twice."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import SeedStepSpec, build_request, estimate_cost
from scenemaker_desktop.engine.catalog.seed_steps import FACE_ENHANCEMENT, FACE_SWAP
from scenemaker_desktop.engine.errors import Cancelled, SubmissionLostError, ValidationError
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.vision.service import Vision
from tests.conftest import SAMPLE_IMAGE
from tests.fakes.drifting_generator import DriftingGenerator

PERSON = {"main_subject": "a woman in a red coat", "theme": "portrait by the sea"}
THING = {"main_subject": "a striped lighthouse", "theme": "coastal landscape"}


@dataclass
class ScriptedSeedSteps:
    """Stands in for fal's face endpoints: the result is the seed with a marker pixel."""

    interrupt_on_wait: CancelToken | None = None
    lose_answers: bool = False
    submits: list[tuple[str, dict[str, Path]]] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)

    def submit(self, step: SeedStepSpec, images, cancel, on_sending) -> str:
        on_sending()
        self.submits.append((step.key, dict(images)))
        if self.lose_answers:
            raise SubmissionLostError("the answer to the submit never came")
        return f"{step.key}-{len(self.submits)}"

    def wait(self, step: SeedStepSpec, request_id: str, dest: Path, cancel) -> Path:
        self.waits.append(request_id)
        if self.interrupt_on_wait is not None:
            self.interrupt_on_wait.interrupt()
            raise Cancelled()
        with Image.open(self.submits[-1][1]["seed"] if self.submits else dest) as image:
            marked = image.convert("RGB")
        marked.putpixel((0, 0), (255, 0, 255))
        marked.save(dest, format="PNG")
        return dest

    def cancel(self, step, request_id) -> bool:
        return True

    def close(self) -> None:
        """Holds nothing."""


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions")


def _run(store, chains, overrides=None, analysis=None, steps=None, cancel=None):
    request = build_request("wan", "the camera sways", chains, overrides, analysis)
    session = create_session(store, SAMPLE_IMAGE, request)
    services = RunnerServices(DriftingGenerator(), Vision(), steps)
    return ChainRunner(store, lambda r: services, cancel=cancel).run(session.id)


def test_preservation_keeps_every_seed_near_the_input_and_seams_smooth(store):
    done = _run(store, 4)
    assert done.status is SessionStatus.COMPLETED
    folder = store.folder(done.id)
    for chain in done.chains[:-1]:
        assert chain.continuity.drift_raw > 2  # the generator drifted…
        assert chain.continuity.drift < 1.0  # …and the seed sent on did not
        assert chain.seed_frame != chain.seed_frame_raw
        with Image.open(folder / chain.seed_frame) as sent:
            assert sent.format == "PNG"
        assert (folder / chain.seed_frame_raw).is_file()
        assert chain.continuity.seam_jump <= 1.5
    saved = json.loads((folder / "session.json").read_text())
    assert saved["chains"][0]["continuity"]["drift"] == done.chains[0].continuity.drift


def test_without_preservation_drift_compounds_and_the_raw_seed_is_sent(store):
    done = _run(store, 4, {"quality_preservation": False})
    drifts = [c.continuity.drift for c in done.chains[:-1]]
    assert drifts == sorted(drifts) and drifts[-1] > 6
    assert all(c.seed_frame == c.seed_frame_raw for c in done.chains[:-1])


def test_face_steps_run_in_order_on_each_seed_and_are_charged(store):
    steps = ScriptedSeedSteps()
    overrides = {"face_enhancement": True, "face_swap": True}
    done = _run(store, 3, overrides, PERSON, steps)
    assert [key for key, _ in steps.submits] == ["face_enhancement", "face_swap"] * 2
    folder = store.folder(done.id)
    first_restore, first_swap = steps.submits[0][1], steps.submits[1][1]
    assert first_restore["seed"] == folder / done.chains[0].seed_frame_raw  # the raw frame
    assert first_swap["reference"] == folder / done.input_image
    logged = [(c.item, c.usd) for c in done.cost_log if c.item != "clip"]
    prices = [("face_enhancement", FACE_ENHANCEMENT.price_usd), ("face_swap", FACE_SWAP.price_usd)]
    assert logged == prices * 2
    clips = estimate_cost(done.request).per_clip_usd * 3
    faces = FACE_ENHANCEMENT.price_usd + FACE_SWAP.price_usd
    assert done.cost_usd == pytest.approx(clips + 2 * faces)
    assert estimate_cost(done.request).total_usd == pytest.approx(round(done.cost_usd, 2))
    with Image.open(folder / done.chains[0].seed_frame) as sent:
        assert sent.getpixel((0, 0))[1] < 60  # the marker of the fake's answer survived


def test_face_steps_are_skipped_with_a_note_when_there_is_no_face(store):
    steps = ScriptedSeedSteps()
    done = _run(store, 2, {"face_enhancement": True}, THING, steps)
    assert steps.submits == []
    assert any("Face restoration" in n and "no face" in n for n in done.notices)
    assert {c.item for c in done.cost_log} == {"clip"}


def test_a_resumed_face_step_is_collected_not_paid_again(store):
    token = CancelToken()
    first = ScriptedSeedSteps(interrupt_on_wait=token)
    stopped = _run(store, 2, {"face_enhancement": True}, PERSON, first, token)
    assert stopped.status is SessionStatus.INTERRUPTED
    assert len(first.submits) == 1
    again = ScriptedSeedSteps()
    again.submits = list(first.submits)  # what "fal" already holds
    services = RunnerServices(DriftingGenerator(), Vision(), again)
    done = ChainRunner(store, lambda r: services).run(stopped.id)
    assert done.status is SessionStatus.COMPLETED
    assert len(again.submits) == 1 and again.waits == ["face_enhancement-1"]
    assert [c.item for c in done.cost_log].count("face_enhancement") == 1


def test_a_lost_face_step_answer_is_logged_unconfirmed_and_never_resent(store):
    steps = ScriptedSeedSteps(lose_answers=True)
    done = _run(store, 2, {"face_enhancement": True}, PERSON, steps)
    assert done.status is SessionStatus.COMPLETED  # the video matters more than one face
    assert len(steps.submits) == 1 and steps.waits == []
    lost = [c for c in done.cost_log if c.item == "face_enhancement"]
    assert len(lost) == 1 and not lost[0].confirmed
    assert any("fal may have charged" in n for n in done.notices)


def test_face_steps_need_a_cloud_model():
    with pytest.raises(ValidationError, match=r"runs on fal\.ai; .* turn it off"):
        build_request("local", "x", 2, {"face_swap": True})


@pytest.mark.parametrize(
    ("level", "steps", "resolution", "seam"),
    [("Maximum Quality", 40, "720p", "exact"), ("Balanced", 30, "720p", "exact"),
     ("speed", 20, "480p", "fast")],
)  # fmt: skip
def test_quality_vs_speed_sets_the_preset_and_explicit_values_win(level, steps, resolution, seam):
    request = build_request("wan", "x", 2, {"quality_vs_speed": level})
    assert request.params["num_inference_steps"] == steps
    assert request.params["resolution"] == resolution and request.seam == seam
    chosen = build_request("wan", "x", 2, {"quality_vs_speed": level, "num_inference_steps": 12})
    assert chosen.params["num_inference_steps"] == 12


def test_the_old_request_flags_turn_the_steps_on_only_when_true():
    from scenemaker_desktop.engine.catalog import seed_request_to_request

    base = {"action_direction": "she turns", "model_type": "Kling 2.1 PRO"}
    off = seed_request_to_request(base)
    on = seed_request_to_request({**base, "enable_face_enhancement": True})
    assert not off.face_enhancement and on.face_enhancement
    assert estimate_cost(on).total_usd > estimate_cost(off).total_usd


def test_what_finishing_costs_counts_the_face_steps_too(store):
    from scenemaker_desktop.engine.sessions.charges import cost_breakdown

    request = build_request("wan", "she turns", 3, {"face_enhancement": True, "face_swap": True})
    session = create_session(store, SAMPLE_IMAGE, request)
    assert cost_breakdown(session).to_finish_usd == estimate_cost(request).total_usd
