"""Sessions and chains as they live in session.json.

The file's shape is a contract other tools read (see docs/ARCHITECTURE.md,
"Contracts kept"): ``id, created_at, updated_at, status, request, chains,
final_video, cost_usd, error``, with paths relative to the session folder.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import SessionNotFoundError
from scenemaker_desktop.engine.story.plan import StoryPlan
from scenemaker_desktop.engine.typed_json import ShapeError, from_plain, to_plain

CLIP = "clip"
"""What a charge paid for when it is a chain's clip (the others are seed steps' keys)."""
SESSION_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
FORMAT_VERSION = 1


class SessionStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"

    @property
    def finished(self) -> bool:
        """The run has ended (for now): nothing is working on the session."""
        return self in (
            SessionStatus.COMPLETED,
            SessionStatus.FAILED,
            SessionStatus.CANCELLED,
            SessionStatus.INTERRUPTED,
        )

    @property
    def resumable(self) -> bool:
        return self in (
            SessionStatus.FAILED,
            SessionStatus.CANCELLED,
            SessionStatus.INTERRUPTED,
            SessionStatus.QUEUED,
        )


class ChainStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def new_session_id() -> str:
    """Time-sortable, never derived from user text: 20261126-081500-a1b2c3."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


def check_session_id(session_id: str) -> str:
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise SessionNotFoundError(
            f"no session {str(session_id)[:60]!r} (ids look like 20261126-081500-a1b2c3)"
        )
    return session_id


@dataclass
class SeedStep:
    """One paid fal step on a chain's seed frame (faces): its request id reaches disk
    before the first poll, like a clip's, so a resume collects it instead of paying again."""

    key: str
    """The catalog's step key (``face_enhancement``)."""
    request_id: str | None = None
    submitting_since: str | None = None
    image: str | None = None
    """The result, once downloaded."""
    skipped: str = ""
    """Why the step did not run, when it did not."""


@dataclass
class Continuity:
    """How well a chain holds on to the input image, as measured (None: not measured yet)."""

    drift_raw: float | None = None
    """ΔE76 of the mean colour of the chain's end frame (its raw seed) from the input image."""
    drift: float | None = None
    """The same for the seed frame actually sent on, after the corrections."""
    correction: float = 0.0
    """How much of the colour difference the correction removed (0–1)."""
    seam_jump: float | None = None
    """The seam after this chain: its jump over the median step of the clips around it."""
    consistency: float | None = None
    """0–1: how well the end frame keeps the input's subject and look."""
    consistency_source: str = ""
    """"openai" (the chain prompt call compared them) or "offline" (an image measure)."""


@dataclass
class Chain:
    """One clip of the chain. Paths are relative to the session folder."""

    index: int
    status: ChainStatus = ChainStatus.PENDING
    prompt: str = ""
    prompt_source: str = ""
    seed_description: str = ""
    fal_request_id: str | None = None
    video: str | None = None
    seed_frame: str | None = None
    """The frame the next chain starts from, as sent (after colour and face corrections)."""
    seed_frame_raw: str | None = None
    """That frame as the clip had it, before any correction."""
    seed_frame_index: int | None = None
    seed_steps: list[SeedStep] = field(default_factory=list)
    continuity: Continuity = field(default_factory=Continuity)
    thumbnail: str | None = None
    generator_state: dict[str, Any] = field(default_factory=dict)
    cost_usd: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    abandoned_request_ids: list[str] = field(default_factory=list)
    """Requests that failed for good or were cancelled: kept for the record, never re-polled."""
    submitting_since: str | None = None
    """Set from just before a paid submit goes out until its request id is saved: found set
    on resume, the answer was lost with the process, and fal may have taken the job."""

    def paths(self) -> list[str]:
        steps = [step.image for step in self.seed_steps]
        named = (self.video, self.seed_frame, self.seed_frame_raw, self.thumbnail, *steps)
        return [p for p in named if p is not None]


@dataclass
class Charge:
    """One line of a session's cost log: a submission fal charges for, or may have."""

    at: str
    chain_index: int
    usd: float
    request_id: str | None
    confirmed: bool = True
    """False when the submission's answer was lost: fal may have charged for a job we
    cannot see, so the money is shown but not counted in ``cost_usd``."""
    item: str = CLIP
    """What was paid for: the chain's clip, or a seed step (``face_enhancement``)."""


@dataclass
class Session:
    """The whole state of one generation, saved before every step that depends on it."""

    id: str
    request: GenerationRequest
    """Parsed (and re-validated) once, when the session is made or read."""
    input_image: str
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    status: SessionStatus = SessionStatus.QUEUED
    chains: list[Chain] = field(default_factory=list)
    analysis: dict[str, str] = field(default_factory=dict)
    analysis_source: str = ""
    notices: list[str] = field(default_factory=list)
    final_video: str | None = None
    thumbnail: str | None = None
    cost_usd: float = 0.0
    error: str | None = None
    source_name: str = ""
    app_version: str = ""
    format_version: int = FORMAT_VERSION
    cost_log: list[Charge] = field(default_factory=list)
    plan: StoryPlan | None = None
    """The storyboard: a beat per chain (written before the first chain when not given)."""
    draft_of: str | None = None
    """The free preview (animatic) whose plan this session renders, when it does. The
    link is kept here only; the draft's renders are found by looking for it."""

    @property
    def model(self) -> str:
        return self.request.model

    @property
    def completed_chains(self) -> int:
        return sum(1 for c in self.chains if c.status is ChainStatus.COMPLETED)

    def to_dict(self) -> dict[str, Any]:
        return {**to_plain(self), "request": self.request.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> Session:
        """Check session.json's shape field by field: ShapeError says what is wrong, and
        ValidationError when the stored request no longer validates."""
        if not isinstance(data, dict):
            raise ShapeError(f"session.json must hold one object, not {type(data).__name__}")
        if not isinstance(data.get("request"), dict):
            raise ShapeError("request must be an object")
        request = GenerationRequest.from_dict(data["request"])
        session = from_plain(cls, {**data, "request": request})
        session._check_chains()
        return session

    def _check_chains(self) -> None:
        for position, chain in enumerate(self.chains):
            if chain.index != position:
                raise ShapeError(f"chains[{position}] says it is chain {chain.index}")
        for path in (self.input_image, self.final_video, self.thumbnail):
            _check_inside(path)
        if self.draft_of is not None:
            check_session_id(self.draft_of)
        for chain in self.chains:
            for path in chain.paths():
                _check_inside(path)


def _check_inside(relative: str | None) -> None:
    """Paths in session.json name files inside the session folder, never elsewhere."""
    if relative is None:
        return
    path = PurePosixPath(relative.replace("\\", "/"))
    if not relative or path.is_absolute() or ".." in path.parts or ":" in relative:
        raise ShapeError(f"the path {relative!r} points outside the session folder")
