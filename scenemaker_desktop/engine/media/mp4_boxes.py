"""Just enough of the mp4 box structure to read and replace a video track's avcC.

ffmpeg writes an mp4's avcC from the first input's decoder setup and offers no
way to list more parameter sets, so the joined video's record is rewritten
here. The rewrite also moves the movie header (moov) in front of the media
data, as ``-movflags +faststart`` would, so players can start before the end
of the file has arrived; every chunk offset moves with the data.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from scenemaker_desktop.engine.errors import MediaError

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
_SAMPLE_ENTRIES = {b"avc1", b"avc3"}
# a visual sample entry's fixed fields after its header, before its child boxes
# (ISO/IEC 14496-12, 12.1.3)
_VISUAL_ENTRY_FIELDS = 78
# stsd: version, flags and entry count before the sample entries
_STSD_FIELDS = 8


@dataclass(frozen=True)
class _Box:
    kind: bytes
    start: int  # offset of the box header in its parent's bytes (or the file)
    header: int
    size: int

    @property
    def payload(self) -> slice:
        return slice(self.start + self.header, self.start + self.size)


def read_avcc(path: Path) -> bytes:
    """The avcC payload of the first H.264 track in the mp4 at ``path``."""
    found = _find_avcc(_read_moov(path))
    if found is None:
        raise MediaError(f"{Path(path).name} has no H.264 decoder setup (avcC)")
    return found


def write_with_avcc(source: Path, dest: Path, avcc: bytes) -> None:
    """Copy the mp4 ``source`` to ``dest`` with ``avcc`` as its H.264 decoder setup, moov first.

    Expects what ffmpeg writes: one mdat and one moov at the top level.
    """
    with open(source, "rb") as src:
        top = list(_boxes_in_file(src))
        moov = next((box for box in top if box.kind == b"moov"), None)
        mdat = [box for box in top if box.kind == b"mdat"]
        if moov is None or len(mdat) != 1:
            raise MediaError(f"{Path(source).name} is not a plain mp4 (one moov, one mdat)")
        src.seek(moov.start)
        old_moov = src.read(moov.size)
        order = [box for box in top if box.kind == b"ftyp"]
        order += [moov] + [box for box in top if box.kind not in (b"ftyp", b"moov")]
        size = len(_rebuild(old_moov, avcc, shift=0))
        shift = _new_offset(order, mdat[0], size) - mdat[0].start
        new_moov = _rebuild(old_moov, avcc, shift)
        with open(dest, "wb") as out:
            for box in order:
                if box is moov:
                    out.write(new_moov)
                else:
                    src.seek(box.start)
                    _copy_bytes(src, out, box.size)


def _new_offset(order: list[_Box], target: _Box, moov_size: int) -> int:
    at = 0
    for box in order:
        if box is target:
            return at
        at += moov_size if box.kind == b"moov" else box.size
    raise MediaError("mp4 layout changed while rewriting")


def _read_moov(path: Path) -> bytes:
    with open(path, "rb") as src:
        for box in _boxes_in_file(src):
            if box.kind == b"moov":
                src.seek(box.start)
                return src.read(box.size)
    raise MediaError(f"{Path(path).name} has no movie header (moov)")


def _boxes_in_file(src: BinaryIO) -> Iterator[_Box]:
    src.seek(0, 2)
    end = src.tell()
    at = 0
    while at + 8 <= end:
        src.seek(at)
        box = _parse_header(src.read(16), at, end - at)
        yield box
        at += box.size


def _parse_header(head: bytes, start: int, room: int) -> _Box:
    size, kind = struct.unpack(">I4s", head[:8])
    header = 8
    if size == 1:  # 64-bit size follows the type
        size, header = struct.unpack(">Q", head[8:16])[0], 16
    elif size == 0:  # runs to the end of the enclosing space
        size = room
    if size < header or size > room:
        raise MediaError("damaged mp4: a box runs past its container")
    return _Box(kind, start, header, size)


def _children(data: bytes, start: int, end: int) -> Iterator[_Box]:
    at = start
    while at + 8 <= end:
        box = _parse_header(data[at : at + 16], at, end - at)
        yield box
        at += box.size


def _find_avcc(box_bytes: bytes) -> bytes | None:
    root = _parse_header(box_bytes[:16], 0, len(box_bytes))
    for box in _children(box_bytes, root.header, root.size):
        payload = box_bytes[box.payload]
        if box.kind in _CONTAINERS:
            found = _find_avcc(box_bytes[box.start : box.start + box.size])
        elif box.kind == b"stsd":
            found = _avcc_in_entries(payload[_STSD_FIELDS:])
        else:
            found = None
        if found is not None:
            return found
    return None


def _avcc_in_entries(entries: bytes) -> bytes | None:
    for entry in _children(entries, 0, len(entries)):
        if entry.kind not in _SAMPLE_ENTRIES:
            continue
        body = entries[entry.payload]
        for child in _children(body, _VISUAL_ENTRY_FIELDS, len(body)):
            if child.kind == b"avcC":
                return body[child.payload]
    return None


def _rebuild(box_bytes: bytes, avcc: bytes, shift: int) -> bytes:
    """``box_bytes`` (one box) with every avcC replaced and every chunk offset moved."""
    box = _parse_header(box_bytes[:16], 0, len(box_bytes))
    payload = box_bytes[box.payload]
    if box.kind in _CONTAINERS:
        payload = _rebuild_children(payload, 0, avcc, shift)
    elif box.kind == b"stsd":
        payload = _rebuild_children(payload, _STSD_FIELDS, avcc, shift)
    elif box.kind in _SAMPLE_ENTRIES:
        payload = _rebuild_children(payload, _VISUAL_ENTRY_FIELDS, avcc, shift)
    elif box.kind == b"avcC":
        payload = avcc
    elif box.kind in (b"stco", b"co64"):
        payload = _shift_offsets(payload, shift, wide=box.kind == b"co64")
    return _box(box.kind, payload)


def _rebuild_children(payload: bytes, fixed: int, avcc: bytes, shift: int) -> bytes:
    parts = [payload[:fixed]]
    for child in _children(payload, fixed, len(payload)):
        parts.append(_rebuild(payload[child.start : child.start + child.size], avcc, shift))
    return b"".join(parts)


def _shift_offsets(payload: bytes, shift: int, wide: bool) -> bytes:
    count = struct.unpack(">I", payload[4:8])[0]
    form = f">{count}{'Q' if wide else 'I'}"
    moved = [offset + shift for offset in struct.unpack_from(form, payload, 8)]
    if not wide and moved and max(moved) >= 2**32:
        raise MediaError("the joined video is too large for 32-bit chunk offsets")
    return payload[:8] + struct.pack(form, *moved)


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _copy_bytes(src: BinaryIO, out: BinaryIO, count: int) -> None:
    while count > 0:
        chunk = src.read(min(count, 1 << 20))
        if not chunk:
            raise MediaError("mp4 ended early while rewriting")
        out.write(chunk)
        count -= len(chunk)
