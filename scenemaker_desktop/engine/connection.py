"""'Test connection' for each service, whichever backends this build carries.

A backend module that can check a key exposes ``check_connection(key) -> str``
(a one-line report) and raises a ``SceneMakerError`` when the key or the
service does not work. Without such a function we say so plainly instead of
pretending the key was checked.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.secrets import service_named

log = logging.getLogger(__name__)

CHECKERS = {
    "fal": ("scenemaker_desktop.engine.backends.fal", "the fal backend"),
    "openai": ("scenemaker_desktop.engine.vision.openai_client", "the OpenAI client"),
}


@dataclass(frozen=True)
class ConnectionCheck:
    service: str
    ok: bool | None
    """True: the service answered; False: it refused or failed; None: not checked."""
    message: str


def find_checker(service: str) -> Callable[[str], str] | None:
    module_name, _ = CHECKERS[service]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    checker = getattr(module, "check_connection", None)
    return checker if callable(checker) else None


def check_connection(service: str, key: str | None, model: str | None = None) -> ConnectionCheck:
    """Check ``key`` against ``service``; never raises, never echoes the key.

    ``model`` (OpenAI only) is the model the user picked, so the check also says
    whether that model is available to the key.
    """
    name = service_named(service).name
    if not key:
        return ConnectionCheck(service, False, f"no {name} key set")
    checker = find_checker(service)
    if checker is None:
        needs = CHECKERS[service][1]
        return ConnectionCheck(service, None, f"saved; connection check needs {needs}")
    try:
        answer = checker(key, model) if model and service == "openai" else checker(key)
        return ConnectionCheck(service, True, str(answer) or f"{name} answered")
    except SceneMakerError as exc:
        return ConnectionCheck(service, False, _without(str(exc), key))
    except Exception as exc:  # a backend bug must not take the dialog down
        log.warning("%s connection check failed", service, exc_info=True)
        return ConnectionCheck(service, False, _without(f"check failed: {exc}", key))


def _without(message: str, key: str) -> str:
    return message.replace(key, "•••") if key else message
