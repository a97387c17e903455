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

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import fal_client
import httpx
from fal_client import Completed, InProgress, Queued

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
    http_failure,
    reason,
)
from scenemaker_desktop.engine.backends.fal_transport import (
    FalLimits,
    Retry,
    download_video,
    seed_upload,
    with_retries,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import ModelSpec, fal_arguments
from scenemaker_desktop.engine.errors import BackendUnavailableError, Cancelled

log = logging.getLogger(__name__)
T = TypeVar("T")

_ESTIMATE_CAP = 0.95
_LOG_CHARS = 100


def _nothing() -> None:
    """The default ``on_sending``: a caller with nothing to note first."""


class FalGenerator:
    """Makes one model's clips on fal.ai. ``remote``: resume re-polls saved request ids."""

    remote = True

    def __init__(self, spec: ModelSpec, key: str, *, limits: FalLimits | None = None) -> None:
        if not spec.endpoint:
            raise BackendUnavailableError(f"{spec.display_name} does not run on fal.ai")
        configure_fal_client()  # before the client's first upload: see fal_config
        self.spec = spec
        self.model_id = spec.id
        self.endpoint = spec.endpoint
        self.limits = limits or FalLimits()
        self._errors = FalErrors(spec.id, key)
        self._client = fal_client.SyncClient(key=key, default_timeout=self.limits.request_timeout)

    # -- Generator ---------------------------------------------------------------------

    def submit(
        self, job: ClipJob, cancel: CancelToken, on_sending: Callable[[], None] = _nothing
    ) -> str:
        """Upload the seed image, queue the request with the catalog's exact body, return its id.

        ``on_sending`` runs just before the body goes out: from then on fal may take the
        job even if its answer is lost (SubmissionLostError), so the runner notes it first.
        """
        upload = seed_upload(job.seed_image)
        image_url = self._call(
            lambda: self._client.upload(
                upload.data, upload.content_type, upload.file_name, fallback_repository=[]
            ),
            "seed image upload",
            cancel,
        )
        arguments = fal_arguments(self.spec, job.params, job.prompt, image_url)
        cancel.raise_if_cancelled()  # nothing is paid yet: a cancel now submits nothing
        on_sending()
        handle = self._call(
            lambda: self._client.submit(self.endpoint, arguments),
            "submit",
            cancel,
            retry=Retry.SUBMIT,
        )
        log.info("fal %s: submitted request %s", self.model_id, handle.request_id)
        return str(handle.request_id)

    def wait(
        self,
        request_id: str,
        job: ClipJob,
        on_progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ClipResult:
        """Poll ``request_id`` to the end, then download and check the clip into ``job.output``."""
        status = self._poll_until_done(request_id, on_progress, cancel)
        if status.error:
            raise self._job_error(request_id, status)
        on_progress(ClipProgress(_ESTIMATE_CAP, "downloading the clip"))
        result = self._call(
            lambda: self._client.result(self.endpoint, request_id),
            "result fetch",
            cancel,
            request_id,
            retry=Retry.AFTER_COMPLETION,
        )
        download_video(
            self._video_url(result),
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
        try:
            self._client.cancel(self.endpoint, request_id)
        except Exception as exc:  # best effort by contract: the user has already moved on
            note = self._errors.line(str(exc))
            log.info("fal %s: cancel of %s not accepted (%s)", self.model_id, request_id, note)
            return False
        return True

    def close(self) -> None:
        """Close the pooled connections (the generator is not used afterwards)."""
        http = vars(self._client).get("_client")  # fal-client creates it lazily
        if isinstance(http, httpx.Client):
            http.close()

    def __enter__(self) -> FalGenerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- steps -------------------------------------------------------------------------

    def _call(
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
            errors=self._errors,
            limits=self.limits,
            cancel=cancel,
            request_id=request_id,
            retry=retry,
        )

    def _poll_until_done(
        self, request_id: str, on_progress: ProgressCallback, cancel: CancelToken
    ) -> Completed:
        tracker = _ProgressTracker(self.spec.timing.typical_generation_seconds)
        deadline = time.monotonic() + self.limits.max_wait_seconds
        interval = self.limits.first_poll_interval
        while True:
            status = self._call(
                lambda: self._client.status(self.endpoint, request_id, with_logs=True),
                "status poll",
                cancel,
                request_id,
            )
            if isinstance(status, Completed):
                return status
            on_progress(tracker.report(status))
            if time.monotonic() >= deadline:
                minutes = self.limits.max_wait_seconds / 60
                raise self._errors.error(
                    f"fal has not finished request {request_id} after {minutes:g} minutes; "
                    "resume the session to keep waiting",
                    retryable=True,
                )
            if cancel.wait(interval):
                raise Cancelled()
            interval = min(interval * 1.5, self.limits.poll_interval)

    def _job_error(self, request_id: str, status: Completed) -> Exception:
        """fal's reason for a failed job; the result endpoint often says more (the 422 field).

        Only the job's own error answer (a 422, or one fal marks with X-Fal-Error-Type)
        replaces the status's reason: a failed fetch (a 502 page) must not hide it."""
        detail: Any = status.error
        try:
            self._client.result(self.endpoint, request_id)
        except Exception as exc:  # only looking for a better text; status.error stands
            failure = http_failure(exc)
            if failure is not None and failure.job_error and failure.detail:
                detail = failure.detail
        return self._errors.job_failed(detail)

    def _video_url(self, result: Any) -> str:
        video = result.get("video") if isinstance(result, Mapping) else None
        url = video.get("url") if isinstance(video, Mapping) else None
        if not isinstance(url, str) or not url:
            raise self._errors.error("fal finished but its answer holds no video", retryable=False)
        return url


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
