"""Starts the desktop app; kept apart so CLI commands never import Qt."""

from __future__ import annotations

from scenemaker_desktop.engine.errors import BackendUnavailableError


def launch_gui(image: str | None) -> int:
    try:
        from scenemaker_desktop.gui.app import run_app
    except ImportError as exc:
        raise BackendUnavailableError(f"the desktop app cannot start: {exc}") from None
    return run_app(image)
