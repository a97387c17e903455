"""An mp4's H.264 track read from the file's own tables, without starting ffmpeg.

Opening a file in ffmpeg decodes its first frame (to learn the pixel format),
about 30 ms for a detailed 720p keyframe, so planning cuts from the sample
tables instead saves one such open per look. Timestamps follow ffmpeg's mov
demuxer: a single edit that starts the presentation ``media_time`` into the
media shifts every timestamp back by it. Anything less ordinary (more edits,
fragments, compact sample sizes) raises MediaError so callers can ask ffmpeg.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.packets import Packet, PacketList, packets

CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
SAMPLE_ENTRIES = {b"avc1", b"avc3"}
# a visual sample entry's fixed fields after its header, before its child boxes
# (ISO/IEC 14496-12, 12.1.3)
VISUAL_ENTRY_FIELDS = 78
# stsd: version, flags and entry count before the sample entries
STSD_FIELDS = 8


@dataclass(frozen=True)
class Box:
    kind: bytes
    start: int  # offset of the box header in its parent's bytes (or in the file)
    header: int
    size: int

    @property
    def payload(self) -> slice:
        return slice(self.start + self.header, self.start + self.size)


@dataclass(frozen=True)
class Mp4Track:
    """The first H.264 video track: its packets (decode order) and where their bytes lie."""

    path: Path
    stream: PacketList
    offsets: tuple[int, ...]
    avcc: bytes
    # the colr box (colour tags) of the sample entry, as stored; empty if there is none
    colour: bytes


def packet_list(path: Path, cancel: CancelToken | None = None) -> PacketList:
    """``path``'s video packets: from its mp4 tables when it has them, else from ffmpeg."""
    try:
        return read_track(path).stream
    except MediaError:
        return packets(path, cancel)


def read_track(path: Path) -> Mp4Track:
    """Read the first H.264 track of the mp4 at ``path`` (MediaError if there is none)."""
    moov = read_moov(path)
    trak = h264_trak(moov)
    tables = _tables(moov[trak.start : trak.start + trak.size])
    body = _h264_entry(tables)
    if body is None:
        raise MediaError(f"{Path(path).name} has no H.264 track")
    extras = {box.kind: body[box.payload] for box in children(body, VISUAL_ENTRY_FIELDS, len(body))}
    width, height = struct.unpack_from(">HH", body, 24)
    stream = PacketList(Fraction(1, _timescale(tables[b"mdhd"])), width, height, _packets(tables))
    offsets = _offsets(tables, len(stream.packets))
    return Mp4Track(Path(path), stream, offsets, extras[b"avcC"], extras.get(b"colr", b""))


def h264_trak(moov: bytes) -> Box:
    """The first track of ``moov`` (a whole moov box) that holds H.264 video."""
    for trak in children(moov, _header(moov).header, len(moov)):
        body = moov[trak.start : trak.start + trak.size]
        if trak.kind == b"trak" and _h264_entry(_tables(body)) is not None:
            return trak
    raise MediaError("the mp4 has no H.264 track")


def read_moov(path: Path) -> bytes:
    with open(path, "rb") as src:
        kinds = []
        for box in boxes_in_file(src):
            kinds.append(box.kind)
            if box.kind == b"moov":
                src.seek(box.start)
                moov = src.read(box.size)
                if b"mvex" in {child.kind for child in children(moov, box.header, len(moov))}:
                    raise MediaError(f"{Path(path).name} is a fragmented mp4")
                return moov
    raise MediaError(f"{Path(path).name} is not an mp4 (no movie header)")


def boxes_in_file(src: BinaryIO) -> Iterator[Box]:
    src.seek(0, 2)
    end = src.tell()
    at = 0
    while at + 8 <= end:
        src.seek(at)
        box = parse_header(src.read(16), at, end - at)
        yield box
        at += box.size


def parse_header(head: bytes, start: int, room: int) -> Box:
    size, kind = struct.unpack(">I4s", head[:8])
    header = 8
    if size == 1:  # 64-bit size follows the type
        size, header = struct.unpack(">Q", head[8:16])[0], 16
    elif size == 0:  # runs to the end of the enclosing space
        size = room
    if size < header or size > room:
        raise MediaError("damaged mp4: a box runs past its container")
    return Box(kind, start, header, size)


def children(data: bytes, start: int, end: int) -> Iterator[Box]:
    at = start
    while at + 8 <= end:
        box = parse_header(data[at : at + 16], at, end - at)
        yield box
        at += box.size


def _header(box_bytes: bytes) -> Box:
    return parse_header(box_bytes[:16], 0, len(box_bytes))


def _tables(trak: bytes) -> dict[bytes, bytes]:
    """Payloads of every box under ``trak``, by type (first of each type wins)."""
    found: dict[bytes, bytes] = {}

    def walk(data: bytes, start: int, end: int) -> None:
        for box in children(data, start, end):
            found.setdefault(box.kind, data[box.payload])
            if box.kind in CONTAINERS:
                walk(data, box.start + box.header, box.start + box.size)

    walk(trak, _header(trak).header, len(trak))
    return found


def _h264_entry(tables: dict[bytes, bytes]) -> bytes | None:
    """The payload of the track's avc1/avc3 sample entry if it is H.264 video with an avcC."""
    hdlr, stsd = tables.get(b"hdlr", b""), tables.get(b"stsd", b"")
    entry = next(children(stsd, STSD_FIELDS, len(stsd)), None) if len(stsd) > 8 else None
    if hdlr[8:12] != b"vide" or entry is None or entry.kind not in SAMPLE_ENTRIES:
        return None
    body = stsd[entry.payload]
    kinds = {box.kind for box in children(body, VISUAL_ENTRY_FIELDS, len(body))}
    return body if b"avcC" in kinds else None


def _timescale(mdhd: bytes) -> int:
    version = mdhd[0]
    return struct.unpack_from(">I", mdhd, 20 if version == 1 else 12)[0]


def _packets(tables: dict[bytes, bytes]) -> tuple[Packet, ...]:
    if b"stz2" in tables or b"stsz" not in tables:
        raise MediaError("mp4 without plain sample sizes")
    sizes = _sizes(tables[b"stsz"])
    deltas = _runs(tables[b"stts"], "I")
    # composition offsets are signed whatever the table's version, as ffmpeg reads them
    offsets = _runs(tables[b"ctts"], "i") if b"ctts" in tables else [0] * len(sizes)
    if not len(sizes) == len(deltas) == len(offsets) or not sizes:
        raise MediaError("mp4 sample tables disagree on the number of samples")
    keys = _sync_samples(tables.get(b"stss"), len(sizes))
    shift = _edit_shift(tables.get(b"elst"))
    listed, dts = [], 0
    for number, (size, delta, offset) in enumerate(zip(sizes, deltas, offsets, strict=True)):
        pts = dts + offset - shift
        listed.append(Packet(dts - shift, pts, delta, number in keys, size))
        dts += delta
    if min(packet.pts for packet in listed) < 0:
        raise MediaError("mp4 edit list starts inside the media")
    return tuple(listed)


def _sizes(stsz: bytes) -> list[int]:
    fixed, count = struct.unpack_from(">II", stsz, 4)
    if fixed:
        return [fixed] * count
    return list(struct.unpack_from(f">{count}I", stsz, 12))


def _runs(table: bytes, value_format: str) -> list[int]:
    """Expand a (count, value) run table: stts deltas or ctts offsets, one per sample."""
    (count,) = struct.unpack_from(">I", table, 4)
    pairs = [struct.unpack_from(f">I{value_format}", table, 8 + 8 * k) for k in range(count)]
    values: list[int] = []
    for run, value in pairs:
        values += [value] * run
    return values


def _sync_samples(stss: bytes | None, count: int) -> set[int]:
    """0-based numbers of the keyframes (every sample when the table is absent)."""
    if stss is None:
        return set(range(count))
    (entries,) = struct.unpack_from(">I", stss, 4)
    return {number - 1 for number in struct.unpack_from(f">{entries}I", stss, 8)}


def _edit_shift(elst: bytes | None) -> int:
    """The media time the presentation starts at (0 without an edit list)."""
    if elst is None:
        return 0
    version = elst[0]
    (entries,) = struct.unpack_from(">I", elst, 4)
    if entries != 1:
        raise MediaError("mp4 with an edit list of several entries")
    form = ">QqhH" if version == 1 else ">IihH"
    _duration, media_time, rate, _fraction = struct.unpack_from(form, elst, 8)
    if media_time < 0 or rate != 1:
        raise MediaError("mp4 with an empty or slowed edit")
    return media_time


def _offsets(tables: dict[bytes, bytes], count: int) -> tuple[int, ...]:
    """Each sample's byte offset in the file, from the chunk tables."""
    sizes = _sizes(tables[b"stsz"])
    if b"co64" in tables:
        (chunks,) = struct.unpack_from(">I", tables[b"co64"], 4)
        starts = struct.unpack_from(f">{chunks}Q", tables[b"co64"], 8)
    else:
        (chunks,) = struct.unpack_from(">I", tables[b"stco"], 4)
        starts = struct.unpack_from(f">{chunks}I", tables[b"stco"], 8)
    stsc = tables[b"stsc"]
    (entries,) = struct.unpack_from(">I", stsc, 4)
    runs = struct.unpack_from(f">{3 * entries}I", stsc, 8)
    firsts, per_chunk = runs[0::3], runs[1::3]
    offsets: list[int] = []
    for index, first in enumerate(firsts):
        last = firsts[index + 1] - 1 if index + 1 < len(firsts) else len(starts)
        for chunk in range(first - 1, last):
            at = starts[chunk]
            for _ in range(per_chunk[index]):
                if len(offsets) == count:
                    raise MediaError("mp4 chunk tables list more samples than there are")
                offsets.append(at)
                at += sizes[len(offsets) - 1]
    if len(offsets) != count:
        raise MediaError("mp4 chunk tables disagree with the sample count")
    return tuple(offsets)
