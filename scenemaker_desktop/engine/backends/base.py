"""The one interface every generator (Local Preview, fal models) implements.

A clip is made in two steps so that state can reach disk in between:
``submit`` returns a request id, the runner saves it in session.json, and only
then calls ``wait`` (poll + fetch). ``resume`` calls ``wait`` again with the
saved id, never ``submit``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from scenemaker_desktop.engine.cancel import CancelToken


@dataclass(frozen=True)
class ClipJob:
    """Everything a generator needs to make one chain's clip."""

    chain_index: int
    prompt: str
    seed_image: Path
    """The image the clip starts from: the input image for chain 0, else the seed frame."""
    source_image: Path
    """The session's full-resolution input image (for quality preservation)."""
    params: Mapping[str, Any]
    """Validated model parameters (catalog keys, not fal field names)."""
    output: Path
    """Where the finished mp4 must be written (atomically)."""
    continuation: Mapping[str, Any] | None = None
    """For chain k>0: ``{"previous_state": <ClipResult.state of chain k-1>,
    "seed_frame_index": <index of the seed frame in chain k-1's clip>}``."""
    action: str = ""
    """The user's own action text (the prompt may add description that misleads keyword use)."""
    num_chains: int = 1
    """Chains in the session: a generator may ease in on the first and out on the last only."""
    preserve_quality: bool = True
    """The session's quality preservation: Local Preview then renders from the source image."""


@dataclass(frozen=True)
class ClipProgress:
    """A progress report from inside ``wait``."""

    fraction: float | None
    """0..1 when known, None while queued or indeterminate."""
    message: str
    queue_position: int | None = None


@dataclass(frozen=True)
class ClipResult:
    video: Path
    state: Mapping[str, Any] = field(default_factory=dict)
    """JSON-serialisable generator state handed to the next chain (local: camera pose)."""
    cost_usd: float = 0.0


ProgressCallback = Callable[[ClipProgress], None]


class Generator(Protocol):
    """Makes clips for one model."""

    model_id: str
    remote: bool
    """True when a request lives on a service and outlasts this process (fal): the runner
    saves its id, and resume re-polls it instead of paying again. Local renders are
    throwaway, so a resumed local chain simply renders again."""

    def submit(
        self, job: ClipJob, cancel: CancelToken, on_sending: Callable[[], None] = ...
    ) -> str:
        """Start the clip and return a request id (nothing is awaited but the service's answer).

        ``on_sending`` is called just before a paid request goes out (the runner notes it
        on disk first); a cancel before then sends nothing. Raises SubmissionLostError when
        the request went out and no answer came back.
        """
        ...

    def wait(
        self,
        request_id: str,
        job: ClipJob,
        on_progress: ProgressCallback,
        cancel: CancelToken,
    ) -> ClipResult:
        """Block until the clip for ``request_id`` is written to ``job.output``.

        Raises ``Cancelled`` when ``cancel`` fires, ``GenerationError`` on failure.
        """
        ...

    def cancel(self, request_id: str) -> bool:
        """Ask the backend to drop the request (best effort, never raises).

        True when it was dropped; False when it had already finished or the service did
        not confirm, so the caller keeps its id (resume collects a clip already paid for)."""
        ...

    def close(self) -> None:
        """Let go of connections; the generator is not used afterwards."""
        ...
