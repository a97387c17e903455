"""A loopback fake of the OpenAI API for the openai SDK (chat completions and responses).

``OpenAI(base_url=fake.base_url, api_key=fake.key)`` works unmodified. Structured
output requests (``response_format={"type": "json_schema", ...}`` on chat
completions, ``text.format`` on responses, and the SDK's ``.parse`` helpers
that send the same) get a JSON object made up to satisfy the schema; strict
schemas are checked the way OpenAI checks them (400 otherwise). Tests can
queue exact answers with ``queue_content``. Routes: ``chat``, ``responses``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from tests.fakes.loopback import Exchange, Fault, LoopbackService
from tests.fakes.openai_schema_rules import strict_schema_problem
from tests.fakes.schema_fill import SchemaFiller

_ROUTES = {"/v1/chat/completions": "chat", "/v1/responses": "responses"}


@dataclass(frozen=True)
class OpenAICall:
    """What one accepted call asked for."""

    route: str
    model: str
    schema_name: str | None
    schema: dict[str, Any] | None
    data_images: int
    """Images attached inline as data: URLs."""
    remote_images: int
    """Images attached by http(s) URL."""
    content: str
    """The text the fake answered with."""

    @property
    def image_attached(self) -> bool:
        return self.data_images + self.remote_images > 0


class FakeOpenAI(LoopbackService):
    """Fake OpenAI on 127.0.0.1; ``base_url`` ends in ``/v1`` like the real one."""

    routes = frozenset(_ROUTES.values())

    def __init__(self, key: str = "test-openai-key") -> None:
        super().__init__()
        self.key = key
        self._filler = SchemaFiller()
        self._queued: deque[Any] = deque()
        self._calls: list[OpenAICall] = []
        self._ids = itertools.count(1)
        self._calls_lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self.origin + "/v1"

    def queue_content(self, *contents: Any) -> None:
        """Answer the next calls with these (dicts go out as JSON text), not made-up ones."""
        with self._calls_lock:
            self._queued.extend(contents)

    @property
    def calls(self) -> list[OpenAICall]:
        with self._calls_lock:
            return list(self._calls)

    # -- LoopbackService hooks ---------------------------------------------------------
    def route_of(self, ex: Exchange) -> str | None:
        return _ROUTES.get(ex.path.rstrip("/")) if ex.method == "POST" else None

    def authorized(self, route: str, ex: Exchange) -> bool:
        return ex.headers.get("authorization", "") == f"Bearer {self.key}"

    def deny(self, route: str, ex: Exchange) -> None:
        given = ex.headers.get("authorization", "").removeprefix("Bearer ")
        shown = f"{given[:3]}***{given[-4:]}" if len(given) > 8 else "***"
        msg = f"Incorrect API key provided: {shown}. You can find your API key at https://platform.openai.com/account/api-keys."
        ex.send_json(401, _error(msg, "invalid_request_error", code="invalid_api_key"))

    def fault_body(self, route: str, fault: Fault) -> Any:
        if fault.status == 429:
            msg = "Rate limit reached for requests (scripted by the fake)."
            return _error(msg, "requests", code="rate_limit_exceeded")
        if fault.status is not None and fault.status >= 500:
            msg = "The server had an error while processing your request (scripted by the fake)."
            return _error(msg, "server_error")
        return _error(f"Scripted {fault.status} from the fake", "invalid_request_error")

    def not_found(self, ex: Exchange) -> None:
        msg = f"Invalid URL ({ex.method} {ex.path})"
        ex.send_json(404, _error(msg, "invalid_request_error"))

    def handle(self, route: str, ex: Exchange) -> None:
        try:
            body = ex.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            ex.send_json(400, _error("you must provide a model parameter", param="model"))
            return
        if route == "chat":
            self._on_chat(ex, body)
        else:
            self._on_responses(ex, body)

    # -- chat completions --------------------------------------------------------------
    def _on_chat(self, ex: Exchange, body: dict[str, Any]) -> None:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            ex.send_json(400, _error("messages must be a non-empty array", param="messages"))
            return
        name, schema, problem = _chat_format(body.get("response_format"))
        if problem:
            ex.send_json(400, _error(problem, param="response_format"))
            return
        data, remote = _count_images(messages, "image_url")
        content = self._answer(body.get("response_format"), schema)
        self._remember(OpenAICall("chat", body["model"], name, schema, data, remote, content))
        ex.send_json(200, self._chat_body(body["model"], content, messages), _ids_header())

    def _chat_body(self, model: str, content: str, messages: list[Any]) -> dict[str, Any]:
        prompt_tokens = max(1, len(json.dumps(messages)) // 4)
        completion_tokens = max(1, len(content) // 4)
        message = {"role": "assistant", "content": content, "refusal": None, "annotations": []}
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
            ],
            "usage": _usage(prompt_tokens, completion_tokens, "prompt", "completion"),
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }

    # -- responses ---------------------------------------------------------------------
    def _on_responses(self, ex: Exchange, body: dict[str, Any]) -> None:
        if "input" not in body:
            ex.send_json(400, _error("Missing required parameter: 'input'.", param="input"))
            return
        fmt = (body.get("text") or {}).get("format")
        name, schema, problem = _responses_format(fmt)
        if problem:
            ex.send_json(400, _error(problem, param="text.format"))
            return
        items = body["input"] if isinstance(body["input"], list) else []
        data, remote = _count_images(items, "input_image")
        content = self._answer(fmt, schema)
        self._remember(OpenAICall("responses", body["model"], name, schema, data, remote, content))
        ex.send_json(200, self._responses_body(body, content), _ids_header())

    def _responses_body(self, request: dict[str, Any], content: str) -> dict[str, Any]:
        n = next(self._ids)
        text_part = {"type": "output_text", "text": content, "annotations": [], "logprobs": []}
        message = {
            "type": "message",
            "id": f"msg_fake{n}",
            "status": "completed",
            "role": "assistant",
            "content": [text_part],
        }
        input_tokens = max(1, len(json.dumps(request.get("input"))) // 4)
        return {
            "id": f"resp_fake{n}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": request["model"],
            "output": [message],
            "error": None,
            "incomplete_details": None,
            "instructions": request.get("instructions"),
            "metadata": {},
            "parallel_tool_calls": True,
            "temperature": 1.0,
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "text": request.get("text") or {"format": {"type": "text"}},
            "usage": _usage(input_tokens, max(1, len(content) // 4), "input", "output"),
        }

    # -- shared ------------------------------------------------------------------------
    def _answer(self, fmt: Any, schema: dict[str, Any] | None) -> str:
        with self._calls_lock:
            queued = self._queued.popleft() if self._queued else None
        if queued is not None:
            return queued if isinstance(queued, str) else json.dumps(queued)
        if schema is not None:
            return json.dumps(self._filler.fill(schema))
        if isinstance(fmt, dict) and fmt.get("type") == "json_object":
            return json.dumps({"result": "fake json object answer"})
        return "A fake answer from the loopback OpenAI server."

    def _remember(self, call: OpenAICall) -> None:
        with self._calls_lock:
            self._calls.append(call)


def _chat_format(fmt: Any) -> tuple[str | None, dict[str, Any] | None, str | None]:
    """(name, schema, problem) of a chat ``response_format``."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None, None, None
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict):
        return None, None, "Missing required parameter: 'response_format.json_schema'."
    return _checked(spec.get("name"), spec.get("schema"), spec.get("strict"))


def _responses_format(fmt: Any) -> tuple[str | None, dict[str, Any] | None, str | None]:
    """(name, schema, problem) of a responses ``text.format``."""
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
        return None, None, None
    return _checked(fmt.get("name"), fmt.get("schema"), fmt.get("strict"))


def _checked(name: Any, schema: Any, strict: Any) -> tuple[str | None, Any, str | None]:
    if not isinstance(name, str) or not name:
        return None, None, "Missing required parameter: 'json_schema.name'."
    if not isinstance(schema, dict):
        return name, None, f"Invalid schema for response_format '{name}': schema must be an object."
    problem = strict_schema_problem(schema) if strict else None
    if problem:
        return name, schema, f"Invalid schema for response_format '{name}': {problem}"
    return name, schema, None


def _count_images(items: list[Any], part_type: str) -> tuple[int, int]:
    """(data: URL images, remote images) among the content parts of ``items``."""
    data = remote = 0
    for item in items:
        parts = item.get("content") if isinstance(item, dict) else None
        for part in parts if isinstance(parts, list) else []:
            if not isinstance(part, dict) or part.get("type") != part_type:
                continue
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if isinstance(url, str) and url.startswith("data:"):
                data += 1
            elif isinstance(url, str):
                remote += 1
    return data, remote


def _usage(prompt: int, completion: int, pre: str, post: str) -> dict[str, int]:
    return {
        f"{pre}_tokens": prompt,
        f"{post}_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _ids_header() -> dict[str, str]:
    return {"x-request-id": f"req_fake{time.monotonic_ns()}"}


def _error(
    message: str,
    kind: str = "invalid_request_error",
    *,
    param: str | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}
