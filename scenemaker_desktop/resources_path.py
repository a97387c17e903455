"""Where the app's style sheet, icons and sample image are, however it was installed.

They live in the repository's top-level ``resources/`` folder, which pyproject.toml installs
as the package ``scenemaker_desktop.resources``: a wheel puts it inside ``scenemaker_desktop/``,
an editable install's import hook maps the name to the repository's folder, and build.spec
copies the folder to that same place in the PyInstaller bundle. One ``importlib.resources``
lookup therefore finds it everywhere, with no path worked out by hand.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = "scenemaker_desktop.resources"


def resources_root() -> Path:
    """The resources folder, e.g. ``.../site-packages/scenemaker_desktop/resources``.

    Always a real folder: Qt reads the style sheet's icons by path, and every way the app
    is installed (a source tree, a wheel, the bundle) keeps these files unpacked on disk.
    """
    return Path(files(PACKAGE))  # type: ignore[arg-type]  # a Path for a package on disk


def resource_path(*parts: str) -> Path:
    """A path inside the resources folder, e.g. ``resource_path("icons", "app.svg")``.

    The path is returned whether or not the file exists, so callers can decide
    how to fail; parts may not climb out of the folder.
    """
    relative = Path(*parts)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"resource path leaves resources/: {relative.as_posix()}")
    return resources_root() / relative
