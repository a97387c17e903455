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
from dataclasses import asdict, dataclass, field
from typing import Any

from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import SessionNotFoundError

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
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        raise SessionNotFoundError(
            f"no session '{session_id}' (ids look like 20261126-081500-a1b2c3)"
        )
    return session_id


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
    seed_frame_index: int | None = None
    thumbnail: str | None = None
    generator_state: dict[str, Any] = field(default_factory=dict)
    cost_usd: float = 0.0
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    abandoned_request_ids: list[str] = field(default_factory=list)
    """Requests that failed for good or were cancelled: kept for the record, never re-polled."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chain:
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = ChainStatus(values.get("status", "pending"))
        return cls(**values)


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

    @property
    def model(self) -> str:
        return self.request.model

    @property
    def completed_chains(self) -> int:
        return sum(1 for c in self.chains if c.status is ChainStatus.COMPLETED)

    def to_dict(self) -> dict[str, Any]:
        data = {f: getattr(self, f) for f in self.__dataclass_fields__}
        data["status"] = self.status.value
        data["request"] = self.request.to_dict()
        data["chains"] = [c.to_dict() for c in self.chains]
        data["analysis"], data["notices"] = dict(self.analysis), list(self.notices)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        """Raises ValidationError when the stored request no longer validates."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["status"] = SessionStatus(values["status"])
        values["request"] = GenerationRequest.from_dict(values["request"])
        values["chains"] = [Chain.from_dict(c) for c in values.get("chains") or []]
        return cls(**values)
