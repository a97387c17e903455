"""Shared pieces of the reliability campaign: a cloud session run in this process against
the fake fal, and what the fake and the session folder say about it afterwards."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scenemaker_desktop.engine.backends.fal import FalGenerator
from scenemaker_desktop.engine.backends.fal_transport import FalLimits
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import build_request
from scenemaker_desktop.engine.runner import ChainRunner, RunnerServices
from scenemaker_desktop.engine.sessions.intake import create_session
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.engine.sessions.tidy import is_temp_name
from scenemaker_desktop.engine.vision.service import Vision
from tests.engine.fal_support import FAST, KEY, seed_image
from tests.fakes.fal_server import FakeFal

LIMITS = replace(FAST, attempts=4)


def cloud_session(store: SessionStore, tmp_path: Path, model: str = "wan", chains: int = 2):
    request = build_request(model, "the beam sweeps across the bay", chains)
    return create_session(store, seed_image(tmp_path), request)


def run(
    store: SessionStore,
    session_id: str,
    limits: FalLimits = LIMITS,
    cancel: CancelToken | None = None,
) -> Session:
    """One run (or resume) of a session in this process, as a CLI run does it."""

    def services(request):
        return RunnerServices(FalGenerator(request.spec, KEY, limits=limits), Vision())

    return ChainRunner(store, services, cancel=cancel).run(session_id)


def requests_by_chain(session: Session) -> list[list[str]]:
    """Every request id a chain ever had (abandoned ones first), chain by chain."""
    return [
        [*chain.abandoned_request_ids, *([chain.fal_request_id] if chain.fal_request_id else [])]
        for chain in session.chains
    ]


def unknown_jobs(fake: FakeFal, session: Session) -> list[str]:
    """Jobs fal has that the session never heard of (a submission whose answer was lost)."""
    known = {rid for ids in requests_by_chain(session) for rid in ids}
    return [job.request_id for job in fake.jobs.all() if job.request_id not in known]


def temp_leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if is_temp_name(p.name))


def one_line(text: str | None) -> bool:
    return bool(text) and "\n" not in text and not text.startswith("internal error")
