"""The fake OpenAI, driven by the real openai SDK: structured output, images, auth, faults."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import openai
import pytest
from pydantic import BaseModel

from tests.fakes.helpers import write_image
from tests.fakes.loopback import Fault
from tests.fakes.openai_server import FakeOpenAI

ANALYSIS_SCHEMA = {
    "type": "object",
    "properties": {
        "theme": {"type": "string"},
        "tone_and_color": {"type": "string", "minLength": 40},
        "mood": {"type": "string", "enum": ["calm", "tense", "joyful"]},
        "intensity": {"type": "number", "minimum": 0.2, "maximum": 0.6},
        "shots": {
            "type": "array",
            "minItems": 2,
            "items": {
                "type": "object",
                "properties": {"prompt": {"type": "string"}, "seconds": {"type": "integer"}},
                "required": ["prompt", "seconds"],
                "additionalProperties": False,
            },
        },
        "note": {"anyOf": [{"type": "null"}, {"type": "string"}]},
    },
    "required": ["theme", "tone_and_color", "mood", "intensity", "shots", "note"],
    "additionalProperties": False,
}


class SeedFrame(BaseModel):
    description: str
    next_prompt: str
    camera: Literal["push_in", "pan_left"]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(key="sk-test-123") as server:
        yield server


@pytest.fixture
def client(fake: FakeOpenAI) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake.base_url, api_key=fake.key, max_retries=0)


@pytest.fixture
def image_url(tmp_path: Path) -> str:
    png = write_image(tmp_path / "frame.png", (64, 64), (10, 120, 200)).read_bytes()
    return "data:image/png;base64," + base64.b64encode(png).decode()


def schema_format(schema: dict, strict: bool = True) -> dict:
    return {
        "type": "json_schema",
        "json_schema": {"name": "analysis", "schema": schema, "strict": strict},
    }


def test_chat_json_schema_answer_parses_and_satisfies_the_schema(
    fake: FakeOpenAI, client: openai.OpenAI, image_url: str
) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Describe the image."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Analyze this."},
                    {"type": "image_url", "image_url": {"url": image_url}},
                ],
            },
        ],
        response_format=schema_format(ANALYSIS_SCHEMA),
    )
    choice = completion.choices[0]
    answer = json.loads(choice.message.content)

    assert (completion.object, choice.finish_reason) == ("chat.completion", "stop")
    assert completion.usage.total_tokens > 0
    assert set(answer) == set(ANALYSIS_SCHEMA["properties"])
    assert "theme" in answer["theme"] and len(answer["tone_and_color"]) >= 40
    assert answer["mood"] == "calm" and 0.2 <= answer["intensity"] <= 0.6
    assert len(answer["shots"]) == 2 and isinstance(answer["shots"][0]["seconds"], int)
    assert isinstance(answer["note"], str)
    [call] = fake.calls
    assert call.image_attached and call.data_images == 1 and call.schema_name == "analysis"


def test_chat_parse_with_a_pydantic_model_returns_the_parsed_model(
    fake: FakeOpenAI, client: openai.OpenAI, image_url: str
) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o-mini",
        messages=[
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": image_url}}],
            }
        ],
        response_format=SeedFrame,
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, SeedFrame) and parsed.camera == "push_in"
    assert "next prompt" in parsed.next_prompt
    assert fake.calls[0].schema_name == "SeedFrame" and fake.calls[0].image_attached


def test_responses_parse_with_text_format_returns_the_parsed_model(
    fake: FakeOpenAI, client: openai.OpenAI, image_url: str
) -> None:
    response = client.responses.parse(
        model="gpt-4o-mini",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What happens next?"},
                    {"type": "input_image", "image_url": image_url},
                ],
            }
        ],
        text_format=SeedFrame,
    )
    assert isinstance(response.output_parsed, SeedFrame)
    assert json.loads(response.output_text)["camera"] == "push_in"
    [call] = fake.calls
    assert call.route == "responses" and call.data_images == 1


def test_text_only_call_is_recorded_without_an_image(
    fake: FakeOpenAI, client: openai.OpenAI
) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Write a prompt."}]
    )
    assert completion.choices[0].message.content
    assert not fake.calls[0].image_attached and fake.calls[0].schema is None
    assert fake.count("chat") == 1


def test_queued_content_is_answered_verbatim(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.queue_content(
        {"description": "a red door", "next_prompt": "it opens", "camera": "pan_left"}
    )
    completion = client.chat.completions.parse(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}], response_format=SeedFrame
    )
    assert completion.choices[0].message.parsed == SeedFrame(
        description="a red door", next_prompt="it opens", camera="pan_left"
    )


def test_wrong_key_raises_authentication_error_with_openai_error_shape(
    fake: FakeOpenAI,
) -> None:
    wrong = openai.OpenAI(base_url=fake.base_url, api_key="sk-wrong-key-999", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        wrong.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"
    assert "sk-wrong-key-999" not in caught.value.message
    assert fake.calls == [] and fake.count("chat", 401) == 1


def test_scripted_429_then_success(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script("chat", Fault(status=429))
    messages = [{"role": "user", "content": "x"}]
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=messages)
    assert caught.value.code == "rate_limit_exceeded"
    assert client.chat.completions.create(model="m", messages=messages).choices
    assert [r.status for r in fake.requests("chat")] == [429, 200]


def test_sdk_retries_a_429_when_allowed(fake: FakeOpenAI) -> None:
    fake.script("chat", Fault(status=429, headers=(("retry-after-ms", "10"),)))
    retrying = openai.OpenAI(base_url=fake.base_url, api_key=fake.key, max_retries=1)
    retrying.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert [r.status for r in fake.requests("chat")] == [429, 200]


def test_scripted_500_raises_internal_server_error(fake: FakeOpenAI, client: openai.OpenAI) -> None:
    fake.script("responses", Fault(status=500))
    with pytest.raises(openai.InternalServerError):
        client.responses.create(model="m", input="x")
    assert fake.count("responses", 500) == 1


def test_strict_schema_without_additional_properties_false_is_refused_like_openai(
    client: openai.OpenAI,
) -> None:
    loose = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    with pytest.raises(openai.BadRequestError, match="additionalProperties"):
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x"}],
            response_format=schema_format(loose),
        )
    answer = client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "x"}],
        response_format=schema_format(loose, strict=False),
    )
    assert set(json.loads(answer.choices[0].message.content)) == {"a"}


def test_strict_schema_missing_a_required_key_is_refused(client: openai.OpenAI) -> None:
    schema = dict(ANALYSIS_SCHEMA, required=["theme"])
    with pytest.raises(openai.BadRequestError, match="Missing 'tone_and_color'"):
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x"}],
            response_format=schema_format(schema),
        )


def test_sdk_finds_the_fake_through_openai_base_url(
    fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", fake.key)
    from_env = openai.OpenAI(max_retries=0)
    from_env.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert fake.count("chat", 200) == 1
