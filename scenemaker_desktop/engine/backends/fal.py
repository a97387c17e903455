"""Cloud clips on fal.ai (WAN, Pixverse, Luma, Kling) through fal-client's SyncClient.

``submit`` uploads the seed image and queues the request, returning fal's
request id at once; the runner saves that id before calling ``wait``, which
polls, downloads and checks the clip. A resumed session calls ``wait`` with the
saved id, so a request is never paid for twice. Every call is bounded (see
``fal_transport``) and every failure is one line without the key
(``fal_errors``). Methods are called from worker threads; one SyncClient per
generator is reused (its httpx client is thread-safe).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from fal_client import InProgress, Queued

from scenemaker_desktop.engine.backends.base import (
    ClipJob,
    ClipProgress,
    ClipResult,
    ProgressCallback,
)
from scenemaker_desktop.engine.backends.fal_config import configure_fal_client, rest_url
from scenemaker_desktop.engine.backends.fal_errors import (
    KEY_REJECTED,
    FalErrors,
    format_detail,
    reason,
)
from scenemaker_desktop.engine.backends.fal_queue import (
    FalQueue,
    close_client,
    nothing,
    open_client,
)
from scenemaker_desktop.engine.backends.fal_transport import FalLimits, download_video
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import ModelSpec, fal_arguments
from scenemaker_desktop.engine.errors import BackendUnavailableError

_ESTIMATE_CAP = 0.95
_LOG_CHARS = 100


class FalGenerator:
    """Makes one model's clips on fal.ai. ``remote``: resume re-polls saved request ids."""

    remote = True

    def __init__(self, spec: ModelSpec, key: str, *, limits: FalLimits | None = None) -> None:
        if not spec.endpoint:
            raise BackendUnavailableError(f"{spec.display_name} does not run on fal.ai")
        self.spec = spec
        self.model_id = spec.id
        self.endpoint = spec.endpoint
        self.limits = limits or FalLimits()
        self._errors = FalErrors(spec.id, key)
        self._client = open_client(key, self.limits)
        self._queue = FalQueue(self._client, self._errors, self.limits)

    # -- Generator ---------------------------------------------------------------------

    def submit(
        self, job: ClipJob, cancel: CancelToken, on_sending: Callable[[], None] = nothing
    ) -> str:
        """Upload the seed image, queue the request with the catalog's exact body, return its id.

        ``on_sending`` runs just before the body goes out: from then on fal may take the
        job even if its answer is lost (SubmissionLostError), so the runner notes it first.
        """
        image_url = self._queue.upload(job.seed_image, "seed image upload", cancel)
        arguments = fal_arguments(self.spec, job.params, job.prompt, image_url)
        return self._queue.submit(self.endpoint, arguments, cancel, on_sending)

    def wait(
        self,
        request_id: str,
        job: ClipJob,
        on_progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ClipResult:
        """Poll ``request_id`` to the end, then download and check the clip into ``job.output``."""
        tracker = _ProgressTracker(self.spec.timing.typical_generation_seconds)
        self._queue.finished(
            self.endpoint, request_id, cancel, lambda status: on_progress(tracker.report(status))
        )
        on_progress(ClipProgress(_ESTIMATE_CAP, "downloading the clip"))
        result = self._queue.result(self.endpoint, request_id, cancel)
        download_video(
            self._queue.answer_url(result, "video"),
            job.output,
            errors=self._errors,
            limits=self.limits,
            cancel=cancel,
        )
        on_progress(ClipProgress(1.0, "clip ready"))
        return ClipResult(
            job.output, {"fal_request_id": request_id}, self.spec.clip_cost(job.params)
        )

    def cancel(self, request_id: str) -> bool:
        """Ask fal to drop the request; True only when fal accepted (never raises).

        fal answers 400 once the job has finished: it is paid, so the caller keeps the id
        and resume collects the clip instead of paying for another."""
        return self._queue.cancel(self.endpoint, request_id)

    def close(self) -> None:
        """Close the pooled connections (the generator is not used afterwards)."""
        close_client(self._client)

    def __enter__(self) -> FalGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ProgressTracker:
    """Turns status answers into ClipProgress: queue position, then a time-based estimate.

    fal reports no percentage, so the fraction is the time since the job started
    running over a typical duration for the model, capped below 1.
    """

    def __init__(self, typical_seconds: float) -> None:
        self.typical = typical_seconds
        self.running_since: float | None = None

    def report(self, status: Any) -> ClipProgress:
        if isinstance(status, Queued):
            return ClipProgress(None, "queued at fal.ai", queue_position=status.position)
        if self.running_since is None:
            self.running_since = time.monotonic()
        elapsed = time.monotonic() - self.running_since
        fraction = min(_ESTIMATE_CAP, elapsed / self.typical)
        logs = status.logs if isinstance(status, InProgress) else None
        return ClipProgress(fraction, _latest_log(logs) or "generating on fal.ai")


def _latest_log(logs: Any) -> str:
    if not isinstance(logs, list):
        return ""
    for entry in reversed(logs):
        message = entry.get("message") if isinstance(entry, Mapping) else None
        if isinstance(message, str) and message.strip():
            text = " ".join(message.split())
            return text if len(text) <= _LOG_CHARS else text[: _LOG_CHARS - 1] + "…"
    return ""


def check_connection(key: str, *, timeout: float = 10.0) -> str:
    """One cheap authenticated call (a CDN upload token) for the GUI's "Test connection".

    Returns "fal key accepted" or raises BackendUnavailableError with one line.
    """
    key = (key or "").strip()
    if not key:
        raise BackendUnavailableError("no fal key given: paste it in Settings or set FAL_KEY")
    configure_fal_client()
    errors = FalErrors("fal", key)
    url = f"{rest_url()}/storage/auth/token?storage_type=fal-cdn-v3"
    headers = {"Authorization": f"Key {key}", "Accept": "application/json"}
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout)) as http:
            response = http.post(url, headers=headers, json={})
    except httpx.HTTPError as exc:
        raise BackendUnavailableError(
            errors.line(f"cannot reach fal.ai ({reason(exc)}): check the network connection")
        ) from None
    except ValueError:  # httpx refuses header values that are not plain text
        raise BackendUnavailableError("the fal key contains characters a key cannot have") from None
    if response.status_code in (401, 403):
        raise BackendUnavailableError(KEY_REJECTED.format(status=response.status_code))
    if response.status_code >= 400:
        detail = format_detail(_json_detail(response))
        raise BackendUnavailableError(
            errors.line(f"fal.ai answered HTTP {response.status_code}: {detail}")
        )
    return "fal key accepted"


def _json_detail(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return body.get("detail", body) if isinstance(body, dict) else body
