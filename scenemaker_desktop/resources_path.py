"""Where ``resources/`` is, from the source tree and from the packaged app.

PyInstaller unpacks data next to the frozen interpreter and records that folder
in ``sys._MEIPASS``; build.spec puts our ``resources/`` there. From source the
folder sits at the top of the repository, beside the package.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def resources_root() -> Path:
    """The ``resources/`` folder: the bundle's copy when frozen, else the repository's."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        frozen = Path(bundle) / "resources"
        if frozen.is_dir():
            return frozen
    return _SOURCE_RESOURCES


def resource_path(*parts: str) -> Path:
    """A path inside ``resources/``, e.g. ``resource_path("icons", "scenemaker-256.png")``.

    The path is returned whether or not the file exists, so callers can decide
    how to fail; parts may not climb out of ``resources/``.
    """
    relative = Path(*parts)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"resource path leaves resources/: {relative.as_posix()}")
    return resources_root() / relative
