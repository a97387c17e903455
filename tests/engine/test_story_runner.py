"""A session follows its plan: locked beats reach fal word for word, planning costs one call,
the planner may size the session, and a free animatic renders into a linked cloud session."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from scenemaker_desktop.engine.catalog import build_request, get_model
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.media.frames import extract_frame
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.model import Session, SessionStatus
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.story.plan import Beat, StoryPlan
from scenemaker_desktop.engine.vision.base import ImageAnalysis
from tests.engine.fal_support import KEY, protect_fal_module
from tests.fakes.fal_server import FakeFal
from tests.fakes.scripted_generator import ScriptedGenerator

ACTION = "she turns to the sea, then walks to the door, then opens it"
LOCKED = "She stops at the door, her hand on the brass ring, and looks back once."
TINY = {"resolution": "360p", "duration": 2, "fps": 12}
ANALYSIS = ImageAnalysis("dusk", "a calm sea", "a woman in a red coat", "violet", "she turns")


def three_beats(locked: int | None = None) -> StoryPlan:
    texts = ["She turns to the sea.", LOCKED, "She opens the door and light spills out."]
    beats = tuple(Beat(i, text, i == locked) for i, text in enumerate(texts, 1))
    return StoryPlan(scene_vision="A woman leaves the shore.", beats=beats, writer="offline")


@pytest.fixture
def fal_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fal key for sessions a scripted generator runs or that are only queued: nothing is
    sent, but checking the backend sets fal_client's globals, which must be put back."""
    protect_fal_module(monkeypatch)
    monkeypatch.setenv("FAL_KEY", KEY)


def run_scripted(engine: Engine, session: Session) -> Session:
    """Run ``session`` with the engine's vision and a scripted (network-free) generator."""
    services = RunnerServices(ScriptedGenerator(), engine.vision())
    return ChainRunner(SessionStore(engine.sessions_dir), lambda request: services).run(session.id)


def test_a_locked_beat_reaches_the_fal_request_word_for_word(
    fake: FakeFal, monkeypatch, sample_image
):
    monkeypatch.setenv("FAL_KEY", KEY)
    engine = Engine.from_environment()
    request = build_request("wan", ACTION, 3)
    session = engine.create_session(sample_image, request, three_beats(locked=2))
    done = engine.run_session(session.id)

    assert done.status is SessionStatus.COMPLETED, done.error
    prompts = [r.json["prompt"] for r in fake.requests("submit")]
    assert len(prompts) == 3
    assert prompts[1].startswith(LOCKED + "\n") or prompts[1].startswith(LOCKED + " ")
    assert prompts[1] == done.chains[1].prompt
    assert [c.prompt_source for c in done.chains] == ["plan", "locked", "template"]
    # Unlocked beats are the starting point of their prompts.
    assert "She turns to the sea" in prompts[0]
    assert "opens the door" in prompts[2]
    assert done.plan == three_beats(locked=2)


def test_openai_calls_per_session_follow_the_plan(openai, sample_image, fal_key):
    """A written plan costs no planning call; chain 1 and locked beats cost none either."""
    engine = Engine.from_environment()
    request = build_request("wan", ACTION, 3)
    openai.queue_content(ANALYSIS.to_dict())
    session = engine.create_session(sample_image, request, three_beats(locked=2))
    done = run_scripted(engine, session)
    assert done.status is SessionStatus.COMPLETED
    assert [c.schema_name for c in openai.calls] == ["AnalysisAnswer", "ChainAnswer"]
    assert [c.prompt_source for c in done.chains] == ["plan", "locked", "openai"]
    assert done.chains[1].prompt.startswith(LOCKED)


def test_without_a_plan_the_run_plans_once_and_keeps_n_plus_one_calls(
    openai, sample_image, fal_key
):
    engine = Engine.from_environment()
    session = engine.create_session(sample_image, build_request("wan", ACTION, 4))
    done = run_scripted(engine, session)
    names = [c.schema_name for c in openai.calls]
    assert names == ["AnalysisAnswer", "PlanAnswer", "ChainAnswer", "ChainAnswer", "ChainAnswer"]
    assert len(names) == 4 + 1
    assert done.plan is not None and done.plan.chains == 4


def test_auto_chains_lets_the_planner_size_the_session_before_it_runs(engine, sample_image):
    request = build_request("local", ACTION, 2, TINY)
    session = engine.create_session(sample_image, request, StoryPlan(auto_chains=True))
    done = engine.run_session(session.id)
    assert done.status is SessionStatus.COMPLETED, done.error
    assert done.request.chains == len(done.chains) == done.plan.chains == 4
    assert done.plan.chains_reason.startswith("3 steps in the action")
    assert all(c.video for c in done.chains)


def test_the_animatic_captions_each_chain_with_its_beat(engine, sample_image, tmp_path):
    """The same Local Preview run with and without captions differs in the lower band only."""
    plain = build_request("local", ACTION, 1, TINY)
    animatic = engine.preview_request(plain)
    assert dict(animatic.params) == {**plain.params, "captions": True}
    plan = StoryPlan(beats=(Beat(1, "A long caption to read across the frame."),))
    frames = []
    for request in (plain, animatic):
        done = engine.run_session(engine.create_session(sample_image, request, plan).id)
        assert done.status is SessionStatus.COMPLETED, done.error
        video = engine.sessions_dir / done.id / done.chains[0].video
        dest = extract_frame(video, 3, tmp_path / f"{request.params['captions']}.png")
        frames.append(Image.open(dest).convert("L"))
    height = frames[0].height
    upper = [f.crop((0, 0, f.width, height // 2)) for f in frames]
    lower = [f.crop((0, height * 3 // 4, f.width, height)) for f in frames]
    upper_change = ImageStat.Stat(ImageChops.difference(*upper)).mean[0]
    lower_change = ImageStat.Stat(ImageChops.difference(*lower)).mean[0]
    # The second encode leaves a little noise everywhere; the caption is far more than that.
    assert upper_change < 2 and lower_change > 4 * max(upper_change, 1.0)


def test_the_animatic_times_its_clips_like_the_chosen_model(engine):
    kling = build_request("kling", ACTION, 3)
    animatic = engine.preview_request(kling)
    clip = kling.spec.clip_seconds(kling.params)
    assert animatic.spec.clip_seconds(animatic.params) == pytest.approx(clip)
    assert animatic.chains == 3 and not animatic.spec.needs_fal
    # Drawn quickly: Local Preview's Speed look, whatever the cloud model's resolution.
    speed = get_model("local").presets["Speed"]
    assert speed.items() <= dict(animatic.params).items() and animatic.params["captions"] is True
    assert animatic.crossfade == kling.crossfade and not animatic.face_enhancement


def test_a_draft_renders_on_a_cloud_model_linked_both_ways(engine, sample_image, fal_key):
    draft = engine.create_session(
        sample_image, build_request("local", ACTION, 3, TINY), three_beats(locked=2)
    )
    draft = engine.run_session(draft.id)
    render = engine.render_draft(draft.id, "kling")
    assert render.draft_of == draft.id and engine.renders_of(draft.id) == [render.id]
    assert render.model == "kling" and render.status is SessionStatus.QUEUED
    assert render.plan == draft.plan and render.request.chains == 3
    # The analysis comes along: the render spends nothing on analyzing again.
    assert render.analysis == draft.analysis and render.analysis_source == "offline"
    assert render.request.crossfade == draft.request.crossfade


def test_a_draft_without_a_plan_or_on_local_preview_is_refused(engine, sample_image, fal_key):
    draft = engine.create_session(sample_image, build_request("local", ACTION, 1, TINY))
    with pytest.raises(ValidationError, match=f"session {draft.id} has no plan yet; run it"):
        engine.render_draft(draft.id, "kling")
    planned = engine.create_session(
        sample_image, build_request("local", ACTION, 3, TINY), three_beats()
    )
    local = get_model("local").display_name
    with pytest.raises(ValidationError, match=f"not on {local}"):
        engine.render_draft(planned.id, "local")
    with pytest.raises(ValidationError, match="the plan has 3 beats but 5 chains"):
        engine.render_draft(planned.id, "kling", {"chains": 5})
    assert engine.renders_of(planned.id) == []


def test_a_plan_is_saved_in_session_json_and_read_back(engine, sample_image):
    session = engine.create_session(
        sample_image, build_request("local", ACTION, 3, TINY), three_beats(locked=2)
    )
    text = (engine.sessions_dir / session.id / "session.json").read_text()
    assert LOCKED in text and '"locked": true' in text
    assert engine.load_session(session.id).plan == three_beats(locked=2)


def test_every_chain_keeps_its_seed_description_for_the_storyboard(engine, sample_image):
    done = engine.run_session(
        engine.create_session(
            sample_image, build_request("local", ACTION, 3, TINY), three_beats(locked=2)
        ).id
    )
    assert done.chains[0].seed_description == ""  # chain 1 starts from the input image
    assert all(c.seed_description for c in done.chains[1:])
    assert (engine.sessions_dir / done.id / done.final_video).is_file()
