"""A loopback fake of fal (queue, REST storage and CDN) that fal-client 1.0.3 talks to unmodified.

Point the client at it with ``tests.fakes.fal_redirect.point_fal_client_at(fake.base_url)``
(the app does the same from ``SCENEMAKER_FAL_URL``). Paths served, all under
``base_url``:

- ``POST /storage/auth/token?storage_type=fal-cdn-v3`` → CDN token (Key auth)
- ``POST /files/upload`` → direct CDN upload, answers ``{"access_url"}`` (Bearer CDN token)
- ``POST /storage/upload/initiate?storage_type=gcs`` → ``{"upload_url", "file_url"}`` (Key)
- ``PUT /storage/signed/<slot>`` → the signed upload itself (no auth, like a signed URL)
- ``GET /files/...`` → stored files: uploads and rendered clips (public)
- ``POST /<endpoint id>`` → queue submit (Key); validated against ``fal_schemas``
- ``GET /<owner>/<app>/requests/<id>/status?logs=true`` → status (Key)
- ``GET /<owner>/<app>/requests/<id>`` → result (Key)
- ``PUT /<owner>/<app>/requests/<id>/cancel`` → cancel (Key)

Route names for ``script``/``set_latency``/``count``: token, upload, initiate,
signed_put, download, submit, status, result, cancel.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

from tests.fakes.fal_jobs import Job, JobBook, JobError, JobPlan, JobState, status_body
from tests.fakes.fal_render import (
    Still,
    UnreadableImage,
    decode_image,
    render_clip,
    restore_faces,
    swap_face,
)
from tests.fakes.fal_schemas import (
    CODEFORMER,
    FACE_SWAP,
    SCHEMAS,
    app_root,
    required_url_fields,
    url_fields,
)
from tests.fakes.fal_storage import FILES_PREFIX, SIGNED_PREFIX, FileStore, StoredFile
from tests.fakes.fal_validation import ErrorItem, download_error, validate
from tests.fakes.loopback import Exchange, Fault, LoopbackService

_REQUEST = re.compile(r"^/(?P<app>.+?)/requests/(?P<id>[^/]+)(?P<tail>/status|/cancel)?$")
_FIXED_ROUTES = {
    ("POST", "/storage/auth/token"): "token",
    ("POST", "/storage/upload/initiate"): "initiate",
    ("POST", "/files/upload"): "upload",
}
_KEY_ROUTES = frozenset({"token", "initiate", "submit", "status", "result", "cancel"})


def ingress_fault(status: int = 503) -> Fault:
    """An error page from fal's ingress (nginx): the only 5xx that fal-client retries."""
    page = f"<html><head><title>{status}</title></head><body><center>nginx</center></body></html>"
    return Fault(status=status, text=page)


class FakeFal(LoopbackService):
    """Fake fal on 127.0.0.1; see the module docstring for the paths it serves.

    ``plan`` (a JobPlan) shapes every job submitted after it is set.
    ``validate_at="submit"`` answers schema errors with 422 on submit;
    ``"result"`` accepts the submit and fails the job instead (status
    COMPLETED with ``error``, result 422) as a runner-side check would.
    """

    routes = frozenset(
        {"token", "upload", "initiate", "signed_put", "download"}
        | {"submit", "status", "result", "cancel"}
    )

    def __init__(
        self,
        key: str = "test-fal-key",
        *,
        plan: JobPlan | None = None,
        validate_at: str = "submit",
    ) -> None:
        if validate_at not in ("submit", "result"):
            raise ValueError("validate_at must be 'submit' or 'result'")
        super().__init__()
        self.key = key
        self.plan = plan or JobPlan()
        self.validate_at = validate_at
        self.cdn_token = f"fake-cdn-{uuid.uuid4().hex}"
        self.storage = FileStore(self.origin)
        self.jobs = JobBook(render=self._render)
        self._upload_paths: list[str] = []
        self._download_pacing = (0, 0.0)

    @property
    def base_url(self) -> str:
        return self.origin

    # -- test controls ---------------------------------------------------------------
    def slow_downloads(self, chunk_size: int = 4096, chunk_delay: float = 0.05) -> None:
        """Serve files in ``chunk_size`` pieces with ``chunk_delay`` s between them (0 = off)."""
        self._download_pacing = (chunk_size, chunk_delay)

    def release(self, request_id: str | None = None) -> None:
        """Let held jobs (``JobPlan(hold=True)``) complete on their next status poll."""
        for job in self.jobs.all():
            if request_id in (None, job.request_id):
                self.jobs.release(job)

    def expire(self, request_id: str) -> None:
        """Forget a request: status, result and cancel answer 404 from now on."""
        self.jobs.forget(request_id)

    def job(self, request_id: str) -> Job | None:
        return self.jobs.get(request_id)

    @property
    def uploads(self) -> list[StoredFile]:
        """Files the client uploaded (rendered clips are not included)."""
        files = (self.storage.get(p) for p in list(self._upload_paths))
        return [f for f in files if f is not None]

    def add_file(self, data: bytes, content_type: str = "image/png", name: str = "in.png") -> str:
        """Put a file on the fake CDN directly; returns its URL."""
        return self.storage.put(data, content_type, name)

    # -- LoopbackService hooks ---------------------------------------------------------
    def route_of(self, ex: Exchange) -> str | None:
        fixed = _FIXED_ROUTES.get((ex.method, ex.path))
        if fixed:
            return fixed
        if ex.method == "PUT" and ex.path.startswith(SIGNED_PREFIX):
            return "signed_put"
        if ex.method in ("GET", "HEAD") and ex.path.startswith(FILES_PREFIX):
            return "download"
        match = _REQUEST.match(ex.path)
        if match:
            tail = match.group("tail")
            wanted = {None: "GET", "/status": "GET", "/cancel": "PUT"}[tail]
            if ex.method != wanted:
                return None
            return {None: "result", "/status": "status", "/cancel": "cancel"}[tail]
        return "submit" if ex.method == "POST" else None

    def authorized(self, route: str, ex: Exchange) -> bool:
        given = ex.headers.get("authorization", "")
        if route in _KEY_ROUTES:
            return given == f"Key {self.key}"
        if route == "upload":
            return given == f"Bearer {self.cdn_token}"
        return True

    def deny(self, route: str, ex: Exchange) -> None:
        if route == "upload":
            ex.send_json(401, {"detail": "Invalid or expired CDN token"})
            return
        detail = "Authentication failed: missing or invalid 'Authorization: Key <key>' header"
        ex.send_json(401, {"detail": detail})

    def fault_body(self, route: str, fault: Fault) -> Any:
        return {"detail": f"Scripted {fault.status} from the fake fal ({route})"}

    def handle(self, route: str, ex: Exchange) -> None:
        getattr(self, f"_on_{route}")(ex)

    # -- storage -----------------------------------------------------------------------
    def _on_token(self, ex: Exchange) -> None:
        expires = datetime.now(timezone.utc) + timedelta(hours=1)
        body = {
            "token": self.cdn_token,
            "token_type": "Bearer",
            "base_url": self.origin,
            "expires_at": expires.isoformat(),
        }
        ex.send_json(200, body)

    def _on_upload(self, ex: Exchange) -> None:
        content_type = ex.headers.get("content-type", "application/octet-stream")
        name = ex.headers.get("x-fal-file-name", "upload.bin")
        url = self.storage.put(ex.body, content_type, name)
        self._upload_paths.append(url[len(self.origin) :])
        body = {"access_url": url, "content_type": content_type, "file_name": name}
        ex.send_json(200, {**body, "file_size": len(ex.body)})

    def _on_initiate(self, ex: Exchange) -> None:
        try:
            request = ex.json() or {}
        except ValueError:
            request = {}
        name = str(request.get("file_name") or "upload.bin")
        content_type = str(request.get("content_type") or "application/octet-stream")
        upload_url, file_url = self.storage.reserve(name, content_type)
        self._upload_paths.append(file_url[len(self.origin) :])
        ex.send_json(200, {"upload_url": upload_url, "file_url": file_url})

    def _on_signed_put(self, ex: Exchange) -> None:
        slot = ex.path[len(SIGNED_PREFIX) :]
        if self.storage.fill(slot, ex.body, ex.headers.get("content-type")):
            ex.send_bytes(200, b"", "text/plain")
        else:
            ex.send_text(404, "<Error><Code>NoSuchUpload</Code></Error>", "application/xml")

    def _on_download(self, ex: Exchange) -> None:
        stored = self.storage.get(ex.path)
        if stored is None:
            ex.send_json(404, {"detail": "File not found"})
            return
        ex.chunk_size, ex.chunk_delay = self._download_pacing
        ex.send_bytes(200, stored.data, stored.content_type)

    # -- queue -------------------------------------------------------------------------
    def _on_submit(self, ex: Exchange) -> None:
        app_id = ex.path.strip("/")
        if app_id not in SCHEMAS:
            ex.send_json(404, {"detail": f"Application '{app_id}' not found"})
            return
        try:
            arguments = ex.json()
        except ValueError:
            error = {"loc": ["body"], "msg": "Invalid JSON body", "type": "json_invalid"}
            ex.send_json(422, {"detail": [error]})
            return
        errors = self._input_errors(app_id, arguments)
        if errors and self.validate_at == "submit":
            ex.send_json(422, {"detail": errors})
            return
        deferred = JobError(422, errors, None) if errors else None
        job = self.jobs.submit(app_id, arguments, self.plan, deferred)
        body = {"status": "IN_QUEUE", "request_id": job.request_id, **self._urls(job)}
        body.update(logs=None, metrics={}, queue_position=max(self.plan.queued_polls, 0))
        ex.send_json(200, body, {"x-fal-request-id": job.request_id})

    def _input_errors(self, app_id: str, arguments: Any) -> list[ErrorItem]:
        errors = validate(app_id, arguments)
        if not isinstance(arguments, dict):
            return errors
        flagged = {tuple(e["loc"]) for e in errors}
        for field in url_fields(app_id):
            value = arguments.get(field)
            unchecked = field in arguments and ("body", field) not in flagged
            if unchecked and self.storage.resolve(value) is None:
                errors.append(download_error(field, value))
        return errors

    def _on_status(self, ex: Exchange) -> None:
        job = self._job_or_404(ex)
        if job is None:
            return
        self.jobs.poll(job)
        with_logs = ex.query.get("logs", "").lower() in ("1", "true")
        status, body = status_body(job, with_logs, self._urls(job))
        ex.send_json(status, body, {"x-fal-request-id": job.request_id})

    def _on_result(self, ex: Exchange) -> None:
        job = self._job_or_404(ex)
        if job is None:
            return
        headers = {"x-fal-request-id": job.request_id}
        with job.lock:
            state, error, result = job.state, job.error, job.result
        if state in (JobState.QUEUED, JobState.RUNNING):
            ex.send_json(400, {"detail": "Request is still in progress"}, headers)
        elif error is not None:
            self._send_job_error(ex, error, headers)
        else:
            ex.send_json(200, result, headers)

    def _on_cancel(self, ex: Exchange) -> None:
        job = self._job_or_404(ex, {"status": "NOT_FOUND"})
        if job is None:
            return
        headers = {"x-fal-request-id": job.request_id}
        if self.jobs.cancel(job):
            ex.send_json(202, {"status": "CANCELLATION_REQUESTED"}, headers)
        else:
            ex.send_json(400, {"status": "ALREADY_COMPLETED"}, headers)

    def _send_job_error(self, ex: Exchange, error: JobError, headers: dict[str, str]) -> None:
        body: dict[str, Any] = {"detail": error.detail}
        if error.error_type:
            body["error_type"] = error.error_type
            headers = {**headers, "X-Fal-Error-Type": error.error_type}
        ex.send_json(error.status, body, headers)

    def _job_or_404(self, ex: Exchange, extra: dict[str, str] | None = None) -> Job | None:
        match = _REQUEST.match(ex.path)
        assert match is not None  # route_of only routes matching paths here
        job = self.jobs.get(match.group("id"))
        if job is not None and match.group("app") == app_root(job.app_id):
            return job
        detail = "Request not found"
        if job is not None and match.group("app") == job.app_id:
            detail += f" (status, result and cancel URLs use only '{app_root(job.app_id)}')"
        ex.send_json(404, {**(extra or {}), "detail": detail})
        return None

    def _urls(self, job: Job) -> dict[str, str]:
        base = f"{self.origin}/{app_root(job.app_id)}/requests/{job.request_id}"
        return {
            "response_url": base,
            "status_url": base + "/status",
            "cancel_url": base + "/cancel",
        }

    # -- the "models" ------------------------------------------------------------------
    def _render(self, job: Job) -> dict[str, Any] | JobError:
        images = self._input_images(job)
        if isinstance(images, JobError):
            return images
        if job.app_id == CODEFORMER:
            result = self._image_result(job, restore_faces(images["image_url"]))
        elif job.app_id == FACE_SWAP:
            swapped = swap_face(images["base_image_url"], images["swap_image_url"])
            result = self._image_result(job, swapped)
        else:
            result = self._clip_result(job, images["image_url"])
        if "seed" in SCHEMAS[job.app_id]:
            result["seed"] = job.arguments.get("seed", job.plan.seed)
        return result

    def _input_images(self, job: Job) -> dict[str, Image.Image] | JobError:
        """The job's required images, decoded; a 422 naming the field that failed."""
        images = {}
        for field in required_url_fields(job.app_id):
            url = job.arguments.get(field)
            data = self.storage.resolve(url)
            if data is None:
                return JobError(422, [download_error(field, url)], None)
            try:
                images[field] = decode_image(data)
            except UnreadableImage:
                item = {"loc": ["body", field], "msg": "Could not read the image"}
                return JobError(422, [{**item, "type": "image_load_error"}], None)
        return images

    def _clip_result(self, job: Job, image: Image.Image) -> dict[str, Any]:
        data = render_clip(
            image, seconds=job.plan.clip_seconds, fps=job.plan.clip_fps, drift=job.plan.drift
        )
        name = f"{job.request_id}.mp4"
        video_url = self.storage.put(data, "video/mp4", name)
        video = {"url": video_url, "content_type": "video/mp4", "file_name": name}
        return {"video": {**video, "file_size": len(data)}}

    def _image_result(self, job: Job, still: Still) -> dict[str, Any]:
        name = f"{job.request_id}.png"
        url = self.storage.put(still.data, "image/png", name)
        image = {"url": url, "content_type": "image/png", "file_name": name}
        size = {"file_size": len(still.data), "width": still.width, "height": still.height}
        return {"image": {**image, **size}}
