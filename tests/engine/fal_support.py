"""Shared set-up for the fal backend tests: FakeFal reached the app's way (SCENEMAKER_FAL_URL),
with every fal_client module global we touch put back after each test."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fal_client.client as fal_module
import pytest

from scenemaker_desktop.engine.backends.base import ClipJob, ClipProgress, ClipResult
from scenemaker_desktop.engine.backends.fal import FalGenerator
from scenemaker_desktop.engine.backends.fal_config import FAL_URL_ENV, PATCHED_NAMES
from scenemaker_desktop.engine.backends.fal_transport import FalLimits
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import get_model
from tests.fakes.fal_server import FakeFal
from tests.fakes.helpers import write_image

KEY = "fal-test-key-5ecret-d0-not-print"
FAST = FalLimits(
    attempts=3,
    backoff_base=0.01,
    backoff_max=0.05,
    first_poll_interval=0.01,
    poll_interval=0.02,
    download_read_timeout=10.0,
)
CLOUD_MODELS = ("wan", "pixverse", "luma", "kling")


def protect_fal_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Have monkeypatch restore every fal_client global the backend may change."""
    for name in PATCHED_NAMES:
        monkeypatch.setattr(fal_module, name, getattr(fal_module, name))


@contextlib.contextmanager
def fal_fake(monkeypatch: pytest.MonkeyPatch, **kwargs: Any) -> Iterator[FakeFal]:
    protect_fal_module(monkeypatch)
    with FakeFal(key=KEY, **kwargs) as server:
        monkeypatch.setenv(FAL_URL_ENV, server.base_url)
        yield server


def seed_image(tmp_path: Path, name: str = "seed.png") -> Path:
    return write_image(tmp_path / name, (320, 180), (200, 60, 30))


def make_job(
    tmp_path: Path,
    model: str,
    params: dict[str, Any] | None = None,
    image: Path | None = None,
) -> ClipJob:
    """A chain-0 job with the model's defaults (``params`` override them, unchecked)."""
    spec = get_model(model)
    image = image or seed_image(tmp_path)
    values = {**spec.defaults(), **(params or {})}
    out = tmp_path / "out" / f"{model}.mp4"
    return ClipJob(0, "she turns and walks into the fog", image, image, values, out)


def generator(model: str, key: str = KEY, limits: FalLimits = FAST) -> FalGenerator:
    return FalGenerator(get_model(model), key, limits=limits)


class Progress:
    """Collects the ClipProgress reports of one wait()."""

    def __init__(self) -> None:
        self.reports: list[ClipProgress] = []

    def __call__(self, progress: ClipProgress) -> None:
        self.reports.append(progress)


def run(gen: FalGenerator, job: ClipJob, cancel: CancelToken | None = None) -> ClipResult:
    """submit + wait, as the runner does."""
    request_id = gen.submit(job, CancelToken())
    return gen.wait(request_id, job, Progress(), cancel or CancelToken())


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    """Block until ``condition()`` holds; fail the test with ``what`` when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.01)


class InThread:
    """Runs ``fn`` in a thread and keeps its result or exception."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as exc:
            self.error = exc

    def join(self, timeout: float = 20.0) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the call did not return"


def messages_of(exc: BaseException) -> str:
    """str() and repr() of ``exc`` and of everything a traceback would print under it."""
    texts, seen = [], set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(f"{current!s} {current!r}")
        shown_context = None if current.__suppress_context__ else current.__context__
        current = current.__cause__ or shown_context
    return "\n".join(texts)
