"""The fake fal's file storage: what the CDN holds and how image URLs are resolved.

fal-client 1.0.3 uploads either straight to the v3 CDN (``POST {CDN_URL}/files/upload``)
or, as a fallback, through a signed URL (``POST {REST_URL}/storage/upload/initiate``
then ``PUT upload_url``). Both end up here; so do the rendered clips.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import uuid
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

FILES_PREFIX = "/files/"
SIGNED_PREFIX = "/storage/signed/"


@dataclass(frozen=True)
class StoredFile:
    data: bytes
    content_type: str
    name: str


class FileStore:
    """Files by URL path, plus signed upload slots waiting for their PUT."""

    def __init__(self, origin: str) -> None:
        self._origin = origin
        self._files: dict[str, StoredFile] = {}
        self._slots: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes, content_type: str, name: str) -> str:
        """Store ``data`` and return its public URL."""
        path = self._new_path(name)
        with self._lock:
            self._files[path] = StoredFile(data, content_type, name)
        return self._origin + path

    def reserve(self, name: str, content_type: str) -> tuple[str, str]:
        """A signed upload slot: ``(upload_url, file_url)`` like fal's initiate answer."""
        path, slot = self._new_path(name), uuid.uuid4().hex
        with self._lock:
            self._slots[slot] = (path, content_type)
        upload_url = f"{self._origin}{SIGNED_PREFIX}{slot}?X-Goog-Signature=fake"
        return upload_url, self._origin + path

    def fill(self, slot: str, data: bytes, content_type: str | None) -> bool:
        """Complete a signed upload; False when the slot is unknown."""
        with self._lock:
            reserved = self._slots.pop(slot, None)
            if reserved is None:
                return False
            path, declared = reserved
            name = unquote(path.rsplit("/", 1)[-1].split("_", 1)[-1])
            self._files[path] = StoredFile(data, content_type or declared, name)
            return True

    def get(self, path: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(path)

    def paths(self) -> list[str]:
        with self._lock:
            return list(self._files)

    def resolve(self, url: object) -> bytes | None:
        """The bytes behind ``url`` if it is one of our files or a data: URI, else None."""
        if not isinstance(url, str):
            return None
        if url.startswith("data:"):
            return decode_data_uri(url)
        if not url.startswith(self._origin + "/"):
            return None
        stored = self.get(urlsplit(url).path)
        return stored.data if stored else None

    def _new_path(self, name: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "upload.bin"
        return f"{FILES_PREFIX}fake/{uuid.uuid4().hex}_{quote(safe)}"


def decode_data_uri(uri: str) -> bytes | None:
    """Bytes of a ``data:[type][;base64],payload`` URI; None when it is malformed."""
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        return None
    if header.endswith(";base64"):
        try:
            return base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            return None
    return unquote(payload).encode("latin-1", "replace")
