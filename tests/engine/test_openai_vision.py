"""OpenAI analysis and prompts, through the real SDK against the loopback fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.vision.base import ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.openai_client import make_client
from scenemaker_desktop.engine.vision.openai_vision import OpenAIAnalyzer, OpenAIPromptWriter
from scenemaker_desktop.engine.vision.prompts import lock_block
from scenemaker_desktop.engine.vision.service import Vision
from tests.conftest import TINY_LOCAL
from tests.fakes.loopback import Fault
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.scripted_generator import ScriptedGenerator

ANALYSIS = ImageAnalysis(
    "coastal dusk",
    "a calm sea",
    "a striped lighthouse",
    "violet and amber, low-key",
    "the beam sweeps",
)

PLAN_ANSWER = {
    "scene_vision": "Dusk falls on the coast while the lighthouse wakes.",
    "chains": 3,
    "chains_reason": "three beats of light",
    "beats": [
        "The lamp flickers on and the beam begins to turn.",
        "The beam sweeps across the darkening water.",
        "The beam passes the camera and the scene settles.",
    ],
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        yield server


def test_analysis_is_one_vision_call_with_the_five_fields(fake, sample_image):
    fake.queue_content(
        {
            "theme": "coastal dusk",
            "background": "sea and hills",
            "main_subject": "a lighthouse",
            "tone_and_color": "violet, amber",
            "action_direction": "the beam sweeps",
        }
    )
    analysis = OpenAIAnalyzer(make_client(fake.key), "gpt-4.1-mini").analyze(sample_image, "")
    assert analysis.main_subject == "a lighthouse"
    assert len(fake.calls) == 1 and fake.calls[0].image_attached
    assert fake.calls[0].model == "gpt-4.1-mini"


def test_later_chain_prompt_sees_the_seed_frame_and_keeps_the_lock(fake, sample_image):
    writer = OpenAIPromptWriter(make_client(fake.key), "gpt-4.1-mini")
    fake.queue_content(
        {"seed_description": "", "consistency": 1.0, "prompt": "The beam turns."},
        {"seed_description": "the beam mid-sweep", "consistency": 0.42, "prompt": "The fade."},
    )
    first = writer.write(PromptContext(ANALYSIS, "the beam sweeps", 0, 2, None))
    second = writer.write(
        PromptContext(
            ANALYSIS,
            "the beam sweeps",
            1,
            2,
            sample_image,
            (first.prompt,),
            reference_image=sample_image,
        )
    )
    assert [c.image_attached for c in fake.calls] == [False, True]
    assert second.seed_description == "the beam mid-sweep"
    # Compared with the reference only when it saw both images.
    assert first.consistency is None and second.consistency == pytest.approx(0.42)
    assert first.prompt.startswith("The beam turns.")
    assert first.prompt.endswith(lock_block(ANALYSIS)) and second.prompt.endswith(
        lock_block(ANALYSIS)
    )


def test_without_the_character_lock_no_lock_block_is_added(fake):
    writer = OpenAIPromptWriter(make_client(fake.key), "gpt-4.1-mini")
    fake.queue_content({"seed_description": "", "consistency": 1.0, "prompt": "The beam turns."})
    context = PromptContext(ANALYSIS, "the beam sweeps", 0, 1, None, character_lock=False)
    assert writer.write(context).prompt == "The beam turns."


def test_a_session_makes_at_most_chains_plus_one_calls(fake, sample_image, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", fake.key)
    store = SessionStore(tmp_path / "sessions")
    services = RunnerServices(ScriptedGenerator(), Engine.from_environment().vision())
    session = create_session(store, sample_image, build_request("wan", "the beam sweeps", 3))
    fake.queue_content(ANALYSIS.to_dict(), PLAN_ANSWER)
    done = ChainRunner(store, lambda r: services).run(session.id)
    assert done.status.value == "completed"
    # The analysis, the plan, then one call for each chain after the first.
    assert len(fake.calls) == 3 + 1
    assert [c.schema_name for c in fake.calls] == [
        "AnalysisAnswer", "PlanAnswer", "ChainAnswer", "ChainAnswer"
    ]  # fmt: skip
    assert all(c.image_attached for c in fake.calls)
    assert done.analysis_source == "openai" and done.plan.writer == "openai"
    assert [c.prompt_source for c in done.chains] == ["plan", "openai", "openai"]
    assert done.chains[0].prompt.startswith(PLAN_ANSWER["beats"][0])
    assert done.chains[1].seed_description
    # The chain calls compared each seed frame with the input; the last chain seeds nothing.
    sources = [c.continuity.consistency_source for c in done.chains]
    assert sources == ["openai", "openai", "offline"]
    saved = json.loads((store.folder(session.id) / "session.json").read_text())
    assert saved["chains"][0]["continuity"]["consistency"] == done.chains[0].continuity.consistency
    assert fake.key not in (store.folder(session.id) / "session.json").read_text()


def test_openai_failure_falls_back_to_offline_and_says_so(fake, sample_image):
    fake.script("chat", Fault(status=500), times=10)
    vision = Vision(OpenAIAnalyzer(make_client(fake.key), "m"))
    analyzed = vision.analyze(sample_image, "the beam sweeps")
    assert analyzed.source == "offline"
    assert "OpenAI answered 500" in analyzed.notice and "offline" in analyzed.notice
    assert analyzed.value.action_direction == "the beam sweeps"


def test_rejected_key_falls_back_with_a_clear_notice(fake, sample_image):
    vision = Vision(OpenAIAnalyzer(make_client("wrong"), "m"))
    notice = vision.analyze(sample_image).notice
    assert notice.startswith("OpenAI key rejected (401)")
    assert "wrong" not in notice


def test_cli_session_with_openai_reports_the_call_budget(fake, run_cli, sample_image, home):
    done = run_cli(
        "generate",
        str(sample_image),
        "--action",
        "the beam sweeps",
        "--chains",
        "2",
        *TINY_LOCAL,
        "--json",
        env={"OPENAI_API_KEY": fake.key, "OPENAI_BASE_URL": fake.base_url},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert len(fake.calls) <= 2 + 1
    session = json.loads((Path(result["final_video"]).parent / "session.json").read_text())
    assert session["analysis_source"] == "openai"


def test_cli_tells_the_user_when_openai_is_down(fake, run_cli, sample_image):
    fake.script("chat", Fault(status=503), times=30)
    done = run_cli(
        "generate",
        str(sample_image),
        "--action",
        "drift",
        "--chains",
        "1",
        *TINY_LOCAL,
        env={"OPENAI_API_KEY": fake.key, "OPENAI_BASE_URL": fake.base_url},
    )
    assert done.returncode == 0, done.stderr
    assert "note: OpenAI answered 503; using the offline analysis instead" in done.stderr
