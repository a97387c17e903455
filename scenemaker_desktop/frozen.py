"""What the packaged (PyInstaller) app sets up before anything else runs.

The bundle carries imageio-ffmpeg's binary at a fixed place (build.spec puts it
in ``ffmpeg/`` inside the bundle) and points imageio-ffmpeg at it through
``IMAGEIO_FFMPEG_EXE``, the variable imageio-ffmpeg itself honours first. A value
the user set wins: it is how they swap in another build.

On Linux the bootloader prepends the bundle to ``LD_LIBRARY_PATH`` and keeps
the user's value in ``LD_LIBRARY_PATH_ORIG``. Our own process has already
loaded its libraries by then, but programs we start (xdg-open through Qt's
"reveal in folder", a file manager, a browser) would inherit the bundle's Qt
and crash, so the user's value is put back.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from pathlib import Path

FFMPEG_ENV = "IMAGEIO_FFMPEG_EXE"
BUNDLED_FFMPEG_DIR = "ffmpeg"
WORKER_COMMAND = "_run-worker"
"""The hidden first argument that makes the packaged program the app's render worker
(engine/run_worker.py): a bundle has no ``python -m`` to start that module with."""


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def worker_start() -> list[str]:
    """The command line that starts a render worker, from source or from the bundle."""
    if is_frozen():
        return [sys.executable, WORKER_COMMAND]
    return [sys.executable, "-m", "scenemaker_desktop.engine.run_worker"]


def bundle_dir() -> Path | None:
    """The folder holding the bundle's libraries and data (``_internal/``), or None from source."""
    return Path(sys._MEIPASS) if is_frozen() else None  # type: ignore[attr-defined]


def ffmpeg_name(platform: str = sys.platform) -> str:
    return "ffmpeg.exe" if platform.startswith("win") else "ffmpeg"


def bundled_ffmpeg(bundle: Path | None = None) -> Path | None:
    """The ffmpeg binary inside the bundle, or None when there is none."""
    bundle = bundle if bundle is not None else bundle_dir()
    if bundle is None:
        return None
    candidate = bundle / BUNDLED_FFMPEG_DIR / ffmpeg_name()
    return candidate if candidate.is_file() else None


def prepare_frozen_environment(
    environ: MutableMapping[str, str] | None = None, bundle: Path | None = None
) -> None:
    """Point imageio-ffmpeg at the bundled binary and undo the loader's library path.

    Does nothing when running from source unless ``bundle`` is given (tests).
    """
    environ = os.environ if environ is None else environ
    bundle = bundle if bundle is not None else bundle_dir()
    if bundle is None:
        return
    ffmpeg = bundled_ffmpeg(bundle)
    if ffmpeg is not None and not environ.get(FFMPEG_ENV, "").strip():
        environ[FFMPEG_ENV] = str(ffmpeg)
    _restore_library_path(environ, bundle)


def _restore_library_path(environ: MutableMapping[str, str], bundle: Path) -> None:
    if sys.platform.startswith(("win", "darwin")):
        return
    entries = environ.get("LD_LIBRARY_PATH", "").split(os.pathsep)
    if str(bundle) not in entries:
        return  # the loader left it alone: it is the user's own value
    original = environ.pop("LD_LIBRARY_PATH_ORIG", None)
    if original:
        environ["LD_LIBRARY_PATH"] = original
    else:
        del environ["LD_LIBRARY_PATH"]
