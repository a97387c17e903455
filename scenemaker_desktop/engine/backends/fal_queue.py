"""fal's queue as the fal backends use it: upload, submit, poll, result, cancel.

Clips (``fal.FalGenerator``) and seed-frame steps (``fal_seed_steps``) drive the
queue the same way and differ only in what they send and read back, so the
calls live here once. Every call is bounded and cancel-aware (``fal_transport``)
and every failure is one line without the key (``fal_errors``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import fal_client
import httpx
from fal_client import Completed

from scenemaker_desktop.engine.backends.fal_config import configure_fal_client
from scenemaker_desktop.engine.backends.fal_errors import FalErrors, http_failure
from scenemaker_desktop.engine.backends.fal_transport import (
    FalLimits,
    Retry,
    seed_upload,
    with_retries,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled

log = logging.getLogger(__name__)
T = TypeVar("T")


def nothing() -> None:
    """The default ``on_sending``: a caller with nothing to note first."""


def _ignore(status: Any) -> None:
    """The default ``on_status``: a caller that shows no progress."""


def open_client(key: str, limits: FalLimits) -> fal_client.SyncClient:
    """A SyncClient set up our way; one per backend, reused (its httpx client is thread-safe)."""
    configure_fal_client()  # before the client's first upload: see fal_config
    return fal_client.SyncClient(key=key, default_timeout=limits.request_timeout)


def close_client(client: fal_client.SyncClient) -> None:
    """Close the client's pooled connections (it is not used afterwards)."""
    http = vars(client).get("_client")  # fal-client creates it lazily
    if isinstance(http, httpx.Client):
        http.close()


@dataclass(frozen=True)
class FalQueue:
    """One caller's view of fal's queue: a shared client, the caller's errors and limits."""

    client: fal_client.SyncClient
    errors: FalErrors
    limits: FalLimits

    def call(
        self,
        call: Callable[[], T],
        what: str,
        cancel: CancelToken,
        request_id: str | None = None,
        retry: Retry = Retry.STANDARD,
    ) -> T:
        return with_retries(
            call,
            what=what,
            errors=self.errors,
            limits=self.limits,
            cancel=cancel,
            request_id=request_id,
            retry=retry,
        )

    def upload(self, image: Path, what: str, cancel: CancelToken) -> str:
        """Upload ``image`` (see ``seed_upload`` for what is sent); returns its URL."""
        upload = seed_upload(image)
        return self.call(
            lambda: self.client.upload(
                upload.data, upload.content_type, upload.file_name, fallback_repository=[]
            ),
            what,
            cancel,
        )

    def submit(
        self,
        endpoint: str,
        arguments: dict[str, Any],
        cancel: CancelToken,
        on_sending: Callable[[], None],
    ) -> str:
        """Queue ``arguments`` at ``endpoint``; returns the request id.

        ``on_sending`` runs just before the body goes out: from then on fal may take the
        job even if its answer is lost (SubmissionLostError), so the caller notes it first.
        """
        cancel.raise_if_cancelled()  # nothing is paid yet: a cancel now submits nothing
        on_sending()
        handle = self.call(
            lambda: self.client.submit(endpoint, arguments),
            "submit",
            cancel,
            retry=Retry.SUBMIT,
        )
        log.info("fal %s: submitted request %s", self.errors.model_id, handle.request_id)
        return str(handle.request_id)

    def finished(
        self,
        endpoint: str,
        request_id: str,
        cancel: CancelToken,
        on_status: Callable[[Any], None] = _ignore,
    ) -> Completed:
        """Poll until the job is done; the job's own failure is raised as one line.

        ``on_status`` sees every answer before COMPLETED (Queued or InProgress).
        """
        deadline = time.monotonic() + self.limits.max_wait_seconds
        interval = self.limits.first_poll_interval
        while True:
            status = self.call(
                lambda: self.client.status(endpoint, request_id, with_logs=True),
                "status poll",
                cancel,
                request_id,
            )
            if isinstance(status, Completed):
                if status.error:
                    raise self._job_error(endpoint, request_id, status)
                return status
            on_status(status)
            if time.monotonic() >= deadline:
                minutes = self.limits.max_wait_seconds / 60
                raise self.errors.error(
                    f"fal has not finished request {request_id} after {minutes:g} minutes; "
                    "resume the session to keep waiting",
                    retryable=True,
                )
            if cancel.wait(interval):
                raise Cancelled()
            interval = min(interval * 1.5, self.limits.poll_interval)

    def result(self, endpoint: str, request_id: str, cancel: CancelToken) -> Any:
        """The finished job's answer; the job is paid, so a 404 is fal's storage catching up."""
        return self.call(
            lambda: self.client.result(endpoint, request_id),
            "result fetch",
            cancel,
            request_id,
            retry=Retry.AFTER_COMPLETION,
        )

    def cancel(self, endpoint: str, request_id: str) -> bool:
        """Ask fal to drop the request; True only when fal accepted (never raises).

        fal answers 400 once the job has finished: it is paid, so the caller keeps the id
        and resume collects the result instead of paying for another."""
        try:
            self.client.cancel(endpoint, request_id)
        except Exception as exc:  # best effort by contract: the user has already moved on
            note, model = self.errors.line(str(exc)), self.errors.model_id
            log.info("fal %s: cancel of %s not accepted (%s)", model, request_id, note)
            return False
        return True

    def answer_url(self, result: Any, field: str) -> str:
        """The file URL at ``result[field]["url"]`` (``video`` or ``image`` in fal's answers)."""
        made = result.get(field) if isinstance(result, Mapping) else None
        url = made.get("url") if isinstance(made, Mapping) else None
        if not isinstance(url, str) or not url:
            message = f"fal finished but its answer holds no {field}"
            raise self.errors.error(message, retryable=False)
        return url

    def _job_error(self, endpoint: str, request_id: str, status: Completed) -> Exception:
        """fal's reason for a failed job; the result endpoint often says more (the 422 field).

        Only the job's own error answer (a 422, or one fal marks with X-Fal-Error-Type)
        replaces the status's reason: a failed fetch (a 502 page) must not hide it."""
        detail: Any = status.error
        try:
            self.client.result(endpoint, request_id)
        except Exception as exc:  # only looking for a better text; status.error stands
            failure = http_failure(exc)
            if failure is not None and failure.job_error and failure.detail:
                detail = failure.detail
        return self.errors.job_failed(detail)
