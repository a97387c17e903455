"""The paid seed-frame steps (``catalog.seed_steps``: face restoration, face swap) on fal.ai.

Like a clip, a step is paid once: ``submit`` uploads the images and queues the
request, returning fal's request id at once, so the caller can save it before
``wait`` polls, fetches the answer's ``image.url`` and saves it as a PNG. A
resumed run calls ``wait`` with the saved id instead of submitting again. The
queue calls, limits and retry rules are FalGenerator's (``fal_queue``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path

from scenemaker_desktop.engine.backends.fal_errors import FalErrors
from scenemaker_desktop.engine.backends.fal_queue import (
    FalQueue,
    close_client,
    nothing,
    open_client,
)
from scenemaker_desktop.engine.backends.fal_transport import FalLimits, download_image
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog.seed_steps import SeedStepSpec

log = logging.getLogger(__name__)


class FalSeedSteps:
    """Runs seed-frame steps on fal with one key; any step, from worker threads.

    ``images`` name each file by the role a step's ``image_fields`` give it:
    ``"seed"`` (the raw seed frame) and ``"reference"`` (the session's input image).
    """

    def __init__(self, key: str, *, limits: FalLimits | None = None) -> None:
        self.limits = limits or FalLimits()
        self._key = key
        self._client = open_client(key, self.limits)

    def submit(
        self,
        step: SeedStepSpec,
        images: Mapping[str, Path],
        cancel: CancelToken,
        on_sending: Callable[[], None] = nothing,
    ) -> str:
        """Upload the step's images, queue its request, return fal's request id.

        ``on_sending`` runs just before the body goes out: from then on fal may take the
        job even if its answer is lost (SubmissionLostError), so the caller notes it first.
        """
        missing = set(step.image_fields.values()) - set(images)
        if missing:
            raise ValueError(f"{step.key} needs the {' and '.join(sorted(missing))} image")
        queue = self._queue(step)
        urls: dict[str, str] = {}
        for role in dict.fromkeys(step.image_fields.values()):  # each file once, in field order
            urls[role] = queue.upload(images[role], f"{role} image upload", cancel)
        arguments = {field: urls[role] for field, role in step.image_fields.items()}
        arguments.update(step.arguments)
        return queue.submit(step.endpoint, arguments, cancel, on_sending)

    def wait(self, step: SeedStepSpec, request_id: str, dest: Path, cancel: CancelToken) -> Path:
        """Poll ``request_id`` to the end, then download, check and save the image to ``dest``
        as a PNG (replaced atomically). Returns ``dest``."""
        queue = self._queue(step)
        queue.finished(step.endpoint, request_id, cancel)
        result = queue.result(step.endpoint, request_id, cancel)
        width, height = download_image(
            queue.answer_url(result, "image"),
            dest,
            errors=queue.errors,
            limits=self.limits,
            cancel=cancel,
        )
        log.info("fal %s: request %s gave a %dx%d image", step.key, request_id, width, height)
        return dest

    def cancel(self, step: SeedStepSpec, request_id: str) -> bool:
        """Ask fal to drop the request; True only when fal accepted (never raises).

        A finished step is paid: fal refuses, and the caller keeps the id to collect it."""
        return self._queue(step).cancel(step.endpoint, request_id)

    def close(self) -> None:
        """Close the pooled connections (not used afterwards)."""
        close_client(self._client)

    def __enter__(self) -> FalSeedSteps:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _queue(self, step: SeedStepSpec) -> FalQueue:
        # The step's label leads each error line, as a model's id does for a clip.
        errors = FalErrors(step.label, self._key, made="image")
        return FalQueue(self._client, errors, self.limits)
