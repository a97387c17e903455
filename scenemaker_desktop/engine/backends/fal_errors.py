"""fal-client and httpx failures, sorted (retry or not) and told in one line.

fal-client raises ``FalClientHTTPError`` (``message`` is fal's ``detail``: a
string, or on 422 the validation list) for queue and upload calls, but its CDN
token call raises plain ``httpx.HTTPStatusError``; transport trouble is an
``httpx.TransportError``. Every message here is one line and never contains
the key, even if fal were to echo it back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from fal_client.client import FalClientHTTPError

from scenemaker_desktop.engine.errors import GenerationError, SubmissionLostError

RETRY_STATUSES = frozenset({408, 409, 425, 429})
"""Besides every 5xx: answers that say "not now" rather than "no"."""
KEY_REJECTED = "fal key rejected ({status}): check it in Settings or FAL_KEY"
_MAX_MESSAGE = 300
_MAX_ITEMS = 3


@dataclass(frozen=True)
class HttpFailure:
    """An HTTP error answer, whichever library raised it."""

    status: int
    detail: Any
    retry_after: float | None
    job_error: bool = False
    """The answer is a job's own failure (fal marks those with X-Fal-Error-Type; 422
    names the input it refused), not trouble on the way to it."""


def http_failure(exc: BaseException) -> HttpFailure | None:
    if isinstance(exc, FalClientHTTPError):
        headers = {k.lower(): v for k, v in exc.response_headers.items()}
        status = exc.status_code
    elif isinstance(exc, httpx.HTTPStatusError):
        headers = {k.lower(): v for k, v in exc.response.headers.items()}
        status = exc.response.status_code
    else:
        return None
    detail = exc.message if isinstance(exc, FalClientHTTPError) else _detail_of(exc.response)
    job_error = status == 422 or "x-fal-error-type" in headers
    return HttpFailure(status, detail, _retry_after(headers), job_error)


def is_transient(exc: BaseException) -> bool:
    """True when the same call may well succeed if tried again shortly."""
    failure = http_failure(exc)
    if failure is not None:
        return failure.status >= 500 or failure.status in RETRY_STATUSES
    return isinstance(exc, httpx.TransportError)


def retry_after(exc: BaseException) -> float | None:
    """The server's Retry-After in seconds, when it sent one."""
    failure = http_failure(exc)
    return failure.retry_after if failure else None


def reason(exc: BaseException) -> str:
    """Why a call failed, in a few words."""
    failure = http_failure(exc)
    if failure is not None:
        return f"HTTP {failure.status}"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return "connection dropped"
    return type(exc).__name__


def format_detail(detail: Any) -> str:
    """fal's ``detail``: a validation list as "field — message; …", else its text."""
    if isinstance(detail, list) and detail and all(isinstance(i, Mapping) for i in detail):
        items = [_format_item(item) for item in detail[:_MAX_ITEMS]]
        if len(detail) > _MAX_ITEMS:
            items.append(f"and {len(detail) - _MAX_ITEMS} more")
        return "; ".join(items)
    if isinstance(detail, str):
        return detail
    try:
        return json.dumps(detail, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(detail)


def _format_item(item: Mapping[str, Any]) -> str:
    loc = item.get("loc") or []
    path = [str(part) for part in loc if part != "body"] if isinstance(loc, list) else []
    message = str(item.get("msg") or item.get("type") or "invalid value")
    return f"{'.'.join(path)} — {message}" if path else message


class FalErrors:
    """Builds the user-facing errors of one generator (its model id, its key to hide)."""

    def __init__(self, model_id: str, key: str, *, made: str = "clip") -> None:
        self.model_id = model_id
        self.made = made  # what the job makes, in messages: "clip", or "image" for a seed step
        self._key = key

    def line(self, text: str) -> str:
        """``text`` as one bounded line with the key masked."""
        flat = " ".join(str(text).split())
        if self._key:
            flat = flat.replace(self._key, "***")
        return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"

    def error(self, text: str, *, retryable: bool) -> GenerationError:
        return GenerationError(self.line(f"{self.model_id}: {text}"), retryable=retryable)

    def translate(self, exc: BaseException, what: str, request_id: str | None) -> GenerationError:
        """A final (non-transient, or retried out) failure of the ``what`` call."""
        failure = http_failure(exc)
        if failure is None:
            return self.error(f"the {what} failed ({reason(exc)})", retryable=True)
        status, detail = failure.status, format_detail(failure.detail)
        if status in (401, 403):
            return GenerationError(self.line(KEY_REJECTED.format(status=status)), retryable=True)
        if status == 404 and request_id is not None:
            return self.request_gone(request_id)
        if status == 422:
            return self.error(detail, retryable=False)
        if status >= 500 or status in RETRY_STATUSES:
            return self.error(f"fal.ai could not answer the {what} (HTTP {status})", retryable=True)
        return self.error(f"fal refused the {what} (HTTP {status}): {detail}", retryable=False)

    def exhausted(self, exc: BaseException, what: str, attempts: int) -> GenerationError:
        return self.error(
            f"fal.ai is not answering the {what} ({reason(exc)}) after {attempts} tries; "
            "resume the session to try again",
            retryable=True,
        )

    def request_gone(self, request_id: str) -> GenerationError:
        return self.error(
            f"fal no longer knows request {request_id}; it will be submitted again",
            retryable=False,
        )

    def not_handed_over(self, exc: BaseException, what: str) -> GenerationError:
        """The job finished (and is paid) but what it made could not be fetched yet."""
        return self.error(
            f"fal finished the {self.made} but the {what} failed ({reason(exc)}); resume the "
            "session to fetch it again (it is not paid twice)",
            retryable=True,
        )

    def submission_lost(self, why: str, *, cancelled: bool = False) -> SubmissionLostError:
        """The submit went out and no usable answer came back."""
        return SubmissionLostError(
            self.line(
                f"{self.model_id}: the submission's answer was lost ({why}); fal may have "
                "queued the job anyway"
            ),
            cancelled=cancelled,
        )

    def job_failed(self, detail: Any) -> GenerationError:
        detail = format_detail(detail)
        return self.error(f"fal could not make the {self.made}: {detail}", retryable=False)

    def unreadable(self, what: str) -> GenerationError:
        return self.error(
            f"fal.ai sent an answer to the {what} that cannot be read", retryable=True
        )


def _detail_of(response: httpx.Response) -> Any:
    try:
        response.read()
        body = response.json()
    except (ValueError, httpx.HTTPError, RuntimeError):
        try:
            return response.text
        except (httpx.HTTPError, RuntimeError):
            return f"HTTP {response.status_code}"
    return body.get("detail", body) if isinstance(body, dict) else body


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: rare for fal; our own back-off applies instead
    return max(0.0, seconds)
