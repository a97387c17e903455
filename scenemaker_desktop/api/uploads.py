"""An uploaded image, written to a private temporary file and checked by its content.

The client's file name and content type are not trusted: the bytes must pass
the same checks as a file given to the CLI (``Engine``'s image intake), and
the temporary file is gone when the request is.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import UploadFile

from scenemaker_desktop.engine.errors import InputImageError
from scenemaker_desktop.engine.images import inspect_image

CHUNK = 1024 * 1024
NAME_CHARS = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@contextlib.contextmanager
def uploaded_image(upload: UploadFile) -> Iterator[Path]:
    """The upload as a checked image file for the length of the ``with`` block."""
    folder = Path(tempfile.mkdtemp(prefix="scenemaker-upload-"))
    try:
        path = folder / _safe_name(upload.filename)
        with open(path, "wb") as out:
            shutil.copyfileobj(upload.file, out, CHUNK)
        if path.stat().st_size == 0:
            raise InputImageError("no file was uploaded (the file part is empty)")
        inspect_image(path)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _safe_name(filename: str | None) -> str:
    """The client's name for messages ("notes.txt is a text file"), with no path in it."""
    name = _UNSAFE.sub("_", Path(str(filename or "").replace("\\", "/")).name).strip(" .")
    return name[-NAME_CHARS:] or "upload"
