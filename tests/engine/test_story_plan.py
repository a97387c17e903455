"""The storyboard's plan: written offline or by one OpenAI call, read strictly, sized by length."""

from __future__ import annotations

import pytest

from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.story.length import chains_for_action, chains_for_duration
from scenemaker_desktop.engine.story.plan import MAX_BEAT_CHARS, Beat, StoryPlan, check_plan
from scenemaker_desktop.engine.vision.base import ImageAnalysis

STEPS = "she turns to the sea, then walks to the door, then opens it"
ANALYSIS = ImageAnalysis(
    "coastal dusk", "a calm sea", "a woman in a red coat", "violet and amber", "she turns"
)
ONE = {"index": 1, "text": "She turns."}
OPENAI_PLAN = {
    "scene_vision": "At dusk a woman leaves the shore for the lighthouse door.",
    "chains": 3,
    "chains_reason": "three moves",
    "beats": [
        "She turns from the sea, the wind in her coat.",
        "She walks up the path to the lighthouse.",
        "She opens the door and warm light spills out.",
    ],
}


def plan_of(*texts: str, locked: tuple[int, ...] = ()) -> StoryPlan:
    beats = tuple(Beat(i, text, i in locked) for i, text in enumerate(texts, 1))
    return StoryPlan(scene_vision="a story", beats=beats)


# -- offline -----------------------------------------------------------------------------


def test_offline_plan_has_a_vision_and_a_beat_per_chain_following_the_steps(engine, sample_image):
    result = engine.plan_story(build_request("local", STEPS, 3), sample_image)
    plan = result.value
    assert result.source == "offline" and plan.writer == "offline"
    assert [b.index for b in plan.beats] == [1, 2, 3] and not any(b.locked for b in plan.beats)
    assert plan.scene_vision and all(0 < len(b.text) <= MAX_BEAT_CHARS for b in plan.beats)
    # Each step of the action lands in its own chain, in order.
    assert "turns to the sea" in plan.beats[0].text
    assert "walks to the door" in plan.beats[1].text
    assert "opens it" in plan.beats[2].text
    assert "CHARACTER LOCK" in plan.lock_block


def test_auto_chains_counts_the_steps_and_says_why(engine, sample_image):
    wishes = StoryPlan(auto_chains=True)
    plan = engine.plan_story(build_request("local", STEPS, 2), sample_image, None, wishes).value
    assert plan.chains == chains_for_action(STEPS).chains == 4
    assert plan.chains_reason.startswith("3 steps in the action")
    single = chains_for_action("the beam sweeps slowly")
    assert single.chains == 2 and "one continuous action" in single.reason


def test_replanning_keeps_locked_beats_and_the_artists_vision_word_for_word(engine, sample_image):
    request = build_request("local", STEPS, 3)
    first = engine.plan_story(request, sample_image).value
    mine = "She stops, looks straight at us, and smiles."
    wishes = first.with_beat(2, text=mine, locked=True)
    wishes = StoryPlan(scene_vision="My own story.", beats=wishes.beats)
    again = engine.plan_story(request, sample_image, None, wishes).value
    assert again.beats[1] == Beat(2, mine, True)
    assert again.scene_vision == "My own story."
    assert not again.beats[0].locked and not again.beats[2].locked


def test_the_analysis_as_typed_is_used_and_the_image_is_not_needed(engine):
    fields = {**ANALYSIS.to_dict(), "main_subject": "a grey heron"}
    plan = engine.plan_story(build_request("local", "it takes off", 2), None, fields).value
    assert "heron" in plan.scene_vision and "heron" in plan.lock_block


# -- OpenAI ------------------------------------------------------------------------------


def test_openai_plan_is_one_structured_call_that_sees_the_image(openai, sample_image):
    engine = Engine.from_environment()
    openai.queue_content(OPENAI_PLAN)
    result = engine.plan_story(build_request("wan", STEPS, 3), sample_image, ANALYSIS.to_dict())
    assert [c.schema_name for c in openai.calls] == ["PlanAnswer"]
    assert openai.calls[0].image_attached
    plan = result.value
    assert plan.writer == "openai" and result.source == "openai"
    assert [b.text for b in plan.beats] == OPENAI_PLAN["beats"]
    assert plan.scene_vision == OPENAI_PLAN["scene_vision"]


def test_openai_plan_without_an_analysis_adds_exactly_the_analysis_call(openai, sample_image):
    openai.queue_content(ANALYSIS.to_dict(), OPENAI_PLAN)
    Engine.from_environment().plan_story(build_request("wan", STEPS, 3), sample_image)
    assert [c.schema_name for c in openai.calls] == ["AnalysisAnswer", "PlanAnswer"]


def test_openai_auto_count_is_taken_with_its_reason(openai, sample_image):
    openai.queue_content(OPENAI_PLAN)
    engine = Engine.from_environment()
    wishes = StoryPlan(auto_chains=True)
    request = build_request("wan", STEPS, 5)
    plan = engine.plan_story(request, sample_image, ANALYSIS.to_dict(), wishes).value
    assert plan.chains == 3 and plan.chains_reason == "three moves"


def test_openai_plan_with_the_wrong_beat_count_falls_back_offline_and_says_so(openai, sample_image):
    openai.queue_content({**OPENAI_PLAN, "beats": OPENAI_PLAN["beats"][:2]})
    engine = Engine.from_environment()
    result = engine.plan_story(build_request("wan", STEPS, 3), sample_image, ANALYSIS.to_dict())
    assert result.source == "offline" and result.value.chains == 3
    assert "OpenAI planned 2 beats for 3 clips" in result.notice
    assert len(openai.calls) == 1


def test_openai_cannot_rewrite_a_locked_beat(openai, sample_image):
    openai.queue_content(OPENAI_PLAN)
    mine = "She kneels and picks up a shell."
    wishes = plan_of("a", mine, "c", locked=(2,))
    result = Engine.from_environment().plan_story(
        build_request("wan", STEPS, 3), sample_image, ANALYSIS.to_dict(), wishes
    )
    assert result.value.beats[1] == Beat(2, mine, True)
    assert result.value.beats[0].text == OPENAI_PLAN["beats"][0]


# -- the plan's JSON ---------------------------------------------------------------------


def test_json_round_trip_keeps_every_field():
    plan = StoryPlan(
        scene_vision="v",
        beats=(Beat(1, "one"), Beat(2, "two", True)),
        lock_block="CHARACTER LOCK: x",
        chains_reason="as set",
        writer="offline",
    )
    assert StoryPlan.from_json(plan.to_json()) == plan


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "the plan has unknown field(s) colour; allowed: beats, chains"),
        ({"beats": []}, 'the plan needs "beats": a list of 1-10 beats'),
        ({"chains": 3}, 'the plan says "chains": 3 but holds 2 beats; they must agree'),
        ({"beats": [ONE, {"index": 2, "text": "  "}]}, "beat 2 is empty; say what happens in"),
        ({"beats": [ONE, {"index": 2, "text": "x" * 5000}]}, "beat 2 is too long (5,000 char"),
        ({"beats": [ONE, {"text": "a", "mood": 1}]}, "beat 2 has unknown field(s) mood"),
        ({"beats": [ONE, {"index": 3, "text": "a"}]}, "beat 2 says it is beat 3"),
        ({"beats": [ONE, {"text": "a", "locked": "yes"}]}, "locked must be true or false"),
        ({"scene_vision": 5}, "scene_vision must be text"),
    ],
)
def test_a_bad_plan_is_refused_in_one_line_that_says_what_is_allowed(change, message):
    data = {**plan_of("one", "two").to_json(), **change}
    with pytest.raises(ValidationError) as refused:
        StoryPlan.from_json(data)
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_not_an_object_and_too_many_beats_are_refused():
    with pytest.raises(ValidationError, match="must be one JSON object"):
        StoryPlan.from_json(["a list"])
    with pytest.raises(ValidationError, match="a plan holds 1-10 beats, one per chain"):
        check_plan(plan_of(*["a beat"] * 11))


def test_a_plan_that_disagrees_with_the_chain_count_is_refused_before_a_session(
    engine, sample_image
):
    with pytest.raises(ValidationError, match="the plan has 2 beats but 3 chains were asked"):
        engine.create_session(sample_image, build_request("local", "x", 3), plan_of("a", "b"))
    assert engine.list_sessions() == []


# -- length in seconds -------------------------------------------------------------------


def test_duration_picks_the_fewest_clips_of_the_chosen_model():
    kling = build_request("kling", "x", 1)  # 5 s clips, no crossfade by default
    clip = kling.spec.clip_seconds(kling.params)
    choice = chains_for_duration(kling, 30)
    assert choice.chains == 6 and f"at {clip:g} s a clip" in choice.reason
    assert chains_for_duration(kling, 30.2).chains == 6  # a hair over is not one more clip
    assert chains_for_duration(kling, 31).chains == 7
    assert chains_for_duration(kling, 1).chains == 1


@pytest.mark.parametrize(
    ("seconds", "message"),
    [
        (0, "the target length must be more than 0 seconds"),
        (-5, "the target length must be more than 0 seconds"),
        (float("nan"), "the target length must be more than 0 seconds"),
        (100, "100 s needs 20 chains of 5 s with Kling 2.1 PRO; at most 10 (50 s)"),
    ],
)
def test_a_length_out_of_reach_is_one_clear_line(seconds, message):
    with pytest.raises(ValidationError) as refused:
        chains_for_duration(build_request("kling", "x", 1), seconds)
    assert message in str(refused.value)


def test_the_reason_for_a_length_reaches_the_plan(engine, sample_image):
    request = build_request("kling", STEPS, 6)
    reason = chains_for_duration(request, 30).reason
    wishes = StoryPlan(chains_reason=reason)
    plan = engine.plan_story(request, sample_image, ANALYSIS.to_dict(), wishes).value
    assert plan.chains == 6 and plan.chains_reason == reason
    # An older plan's reason is not carried to a different count.
    again = engine.plan_story(build_request("kling", STEPS, 5), None, ANALYSIS.to_dict(), plan)
    assert again.value.chains_reason == "5 chains, as set"
