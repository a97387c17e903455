"""Point fal-client 1.0.x at one base URL, the way SCENEMAKER_FAL_URL does in the app.

fal-client reads these module globals at call time (``QUEUE_URL_FORMAT + app``,
``f"{REST_URL}/storage/..."``, ``CDN_URL + "/files/upload"``), with one catch:
a SyncClient's CDNTokenManager copies ``REST_URL`` into its token URL when it
is first created (on the client's first upload), so patch before that.
This copy exists to test the fake; the app keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable

import fal_client.client as fal_module

_NAMES = ("QUEUE_URL_FORMAT", "RUN_URL_FORMAT", "REST_URL", "CDN_URL")


def point_fal_client_at(base_url: str) -> Callable[[], None]:
    """Send every fal-client request to ``base_url``; returns a callable that undoes it."""
    base = base_url.rstrip("/")
    saved = {name: getattr(fal_module, name) for name in _NAMES}
    fal_module.QUEUE_URL_FORMAT = base + "/"
    fal_module.RUN_URL_FORMAT = base + "/"
    fal_module.REST_URL = base
    fal_module.CDN_URL = base

    def undo() -> None:
        for name, value in saved.items():
            setattr(fal_module, name, value)

    return undo
