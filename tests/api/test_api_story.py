"""The storyboard through the old API: ``scene_vision`` is followed, ``auto_chains`` lets the
planner choose the count, and the status shows every chain's beat and the prompt it was sent."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import LOCAL
from tests.api.server import Server, poll_until_done, post_generation

ACTION = "she turns to the sea, then walks to the door, then opens it"
VISION = "A woman says goodbye to the sea and goes home to the lighthouse."


def test_scene_vision_and_auto_chains_shape_the_session(server: Server, home):
    request = {"action_direction": ACTION, "scene_vision": VISION, "auto_chains": True, **LOCAL}
    with server.client() as client:
        answer = post_generation(client, request)
        assert answer.status_code == 200, answer.text
        session_id = answer.json()["session_id"]
        status = poll_until_done(client, session_id)

    assert status["status"] == "completed", status
    assert status["total_chains"] == status["completed_chains"] == 4
    assert status["scene_vision"] == VISION and status["draft_of"] is None
    beats = status["beats"]
    assert [b["index"] for b in beats] == [1, 2, 3, 4]
    assert all(b["text"] and b["prompt"] and not b["locked"] for b in beats)
    stored = json.loads((home / "sessions" / session_id / "session.json").read_text())
    assert stored["plan"]["scene_vision"] == VISION
    assert [c["prompt"] for c in stored["chains"]] == [b["prompt"] for b in beats]


def test_without_story_fields_the_run_still_plans_its_chains(server: Server):
    request = {"action_direction": "the beam sweeps", "num_chains": 2, **LOCAL}
    with server.client() as client:
        session_id = post_generation(client, request).json()["session_id"]
        status = poll_until_done(client, session_id)
    assert status["status"] == "completed"
    assert len(status["beats"]) == 2 and status["scene_vision"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"auto_chains": True, "num_chains": 3},
            "auto_chains lets the planner choose the chain count; leave num_chains out",
        ),
        ({"auto_chains": "maybe"}, "auto_chains: Input should be a valid boolean"),
        ({"scene_vision": "x" * 5000}, "scene_vision is too long (5,000 characters; at most"),
        ({"scene_vision": 7}, "scene_vision: Input should be a valid string"),
    ],
)
def test_bad_story_fields_are_400_and_nothing_starts(server: Server, home, fields, message):
    request = {"action_direction": ACTION, **LOCAL, **fields}
    with server.client() as client:
        answer = post_generation(client, request)
        listed = client.get("/sessions").json()["sessions"]
    assert answer.status_code == 400
    assert message in answer.json()["detail"]
    assert listed == []
