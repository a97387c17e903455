"""How fal-client 1.0.x is set up inside our process: hosts and retry/timeout policy.

fal-client keeps its hosts and retry policy in module globals that it reads at
call time, so we set them once per process, before a client's first upload
(a SyncClient's CDN token manager copies ``REST_URL`` when it is created).

- ``SCENEMAKER_FAL_URL`` (see docs/ARCHITECTURE.md) replaces every fal host
  (queue, run, REST storage, CDN) with one base URL; plain http works.
- fal-client's own retries are switched off (``MAX_ATTEMPTS = 1``): it would
  retry 429/502/503/504 and transport errors up to 10 times with up to 30 s
  sleeps that no cancel token can interrupt, and never retry a plain 500. Our
  backend retries instead, boundedly and cancel-aware (``fal_transport``).
- Queue polls (status, result, cancel) get a 30 s read timeout instead of 120 s
  so a stalled poll is noticed sooner.
"""

from __future__ import annotations

import os

import fal_client.client as fal_module
import httpx

FAL_URL_ENV = "SCENEMAKER_FAL_URL"
PATCHED_NAMES = (
    "QUEUE_URL_FORMAT",
    "RUN_URL_FORMAT",
    "REST_URL",
    "CDN_URL",
    "MAX_ATTEMPTS",
    "QUEUE_POLL_TIMEOUT",
)
"""Every fal_client.client global this module may change (tests save and restore them)."""

POLL_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def fal_base_override() -> str | None:
    """The base URL from ``SCENEMAKER_FAL_URL`` without a trailing slash, or None."""
    base = os.environ.get(FAL_URL_ENV, "").strip().rstrip("/")
    return base or None


def apply_fal_url_override() -> str | None:
    """Point fal-client at ``SCENEMAKER_FAL_URL`` when it is set; returns the base used.

    Idempotent; leaves the hosts alone when the variable is unset.
    """
    base = fal_base_override()
    if base is None:
        return None
    fal_module.QUEUE_URL_FORMAT = base + "/"
    fal_module.RUN_URL_FORMAT = base + "/"
    fal_module.REST_URL = base
    fal_module.CDN_URL = base
    return base


def configure_fal_client() -> None:
    """Apply the host override and our retry/timeout policy (idempotent)."""
    apply_fal_url_override()
    fal_module.MAX_ATTEMPTS = 1
    fal_module.QUEUE_POLL_TIMEOUT = POLL_TIMEOUT


def rest_url() -> str:
    """fal's REST API base as fal-client currently sees it."""
    return str(fal_module.REST_URL).rstrip("/")
