"""Write one H.264 track into an mp4 from samples that already exist in other files.

The joined video is the clips' own samples (and the seam tails') laid end to
end, so the file is written here rather than by ffmpeg's concat demuxer, which
would open every piece again (each open decodes a keyframe) and could only
list the first clip's parameter sets. The movie header is the first clip's,
kept as is where it still holds (handler, colour and aspect boxes, metadata)
and rewritten where it describes samples: timing, keyframes, sizes, offsets,
durations, the edit that starts the presentation, and the avcC. Other tracks
are left out; the movie header comes first, as ``-movflags +faststart`` does.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.mp4_read import (
    STSD_FIELDS,
    VISUAL_ENTRY_FIELDS,
    Box,
    boxes_in_file,
    children,
    h264_trak,
    parse_header,
    read_moov,
)

# the sample tables written here, in the order ISO/IEC 14496-12 lists them
_WRITTEN_TABLES = (b"stts", b"ctts", b"stss", b"stsc", b"stsz", b"stco", b"co64")
_U32 = 2**32


@dataclass(frozen=True)
class OutSample:
    """One sample of the joined track: where its bytes are, and its times in the new track."""

    path: Path
    offset: int
    size: int
    dts: int
    pts: int
    duration: int
    key: bool


@dataclass(frozen=True)
class _Plan:
    tables: dict[bytes, bytes]
    media_duration: int
    media_start: int  # the media time the presentation starts at (the edit's media_time)
    shown: int  # presentation length, media time


def write_video(dest: Path, template: Path, samples: Sequence[OutSample], avcc: bytes) -> None:
    """Write ``samples`` as the one video track of a new mp4 at ``dest``."""
    moov = read_moov(template)
    ftyp = _ftyp(template)
    plan = _plan(samples)
    payload = sum(sample.size for sample in samples)
    mdat_header = 8 if payload + 8 < _U32 else 16

    def header(base: int) -> bytes:
        wide = base + payload >= _U32
        offsets, at = [], base
        for sample in samples:
            offsets.append(at)
            at += sample.size
        tables = dict(plan.tables)
        tables[b"co64" if wide else b"stco"] = _full(
            struct.pack(f">I{len(offsets)}{'Q' if wide else 'I'}", len(offsets), *offsets)
        )
        return _rebuild_moov(moov, avcc, tables, plan)

    base = len(ftyp) + len(header(0)) + mdat_header
    with open(dest, "wb") as out:
        out.write(ftyp + header(base))
        if mdat_header == 8:
            out.write(struct.pack(">I4s", 8 + payload, b"mdat"))
        else:
            out.write(struct.pack(">I4sQ", 1, b"mdat", 16 + payload))
        _copy_samples(samples, out.write)


def _ftyp(path: Path) -> bytes:
    with open(path, "rb") as src:
        first = next(boxes_in_file(src), None)
        if first is None or first.kind != b"ftyp":
            raise MediaError(f"{Path(path).name} does not start like an mp4")
        src.seek(0)
        return src.read(first.size)


def _plan(samples: Sequence[OutSample]) -> _Plan:
    if not samples:
        raise MediaError("no samples to write")
    first_dts = samples[0].dts
    deltas = [b.dts - a.dts for a, b in itertools.pairwise(samples)]
    deltas.append(max(samples[-1].duration, 1))
    offsets = [sample.pts - sample.dts for sample in samples]
    tables = {b"stts": _full(_run_table([(d, "I") for d in deltas]))}
    if any(offsets):
        signed = min(offsets) < 0
        entries = _run_table([(o, "i" if signed else "I") for o in offsets])
        tables[b"ctts"] = _full(entries, version=1 if signed else 0)
    if not all(sample.key for sample in samples):
        keys = [number for number, sample in enumerate(samples, start=1) if sample.key]
        tables[b"stss"] = _full(struct.pack(f">I{len(keys)}I", len(keys), *keys))
    # every sample its own chunk: one stsc entry, and one offset per sample
    tables[b"stsc"] = _full(struct.pack(">IIII", 1, 1, 1, 1))
    sizes = [sample.size for sample in samples]
    tables[b"stsz"] = _full(struct.pack(f">II{len(sizes)}I", 0, len(sizes), *sizes))
    start = min(sample.pts for sample in samples)
    end = max(sample.pts + sample.duration for sample in samples)
    return _Plan(tables, sum(deltas), start - first_dts, end - start)


def _run_table(values: list[tuple[int, str]]) -> bytes:
    """A (count, value) run table: stts or ctts entries."""
    runs: list[tuple[int, int, str]] = []
    for value, form in values:
        if runs and runs[-1][1] == value:
            runs[-1] = (runs[-1][0] + 1, value, form)
        else:
            runs.append((1, value, form))
    body = b"".join(struct.pack(f">I{form}", count, value) for count, value, form in runs)
    return struct.pack(">I", len(runs)) + body


def _full(body: bytes, version: int = 0) -> bytes:
    """A full box's payload: version, zero flags, then ``body``."""
    return bytes([version, 0, 0, 0]) + body


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _parts(data: bytes, fixed: int = 0) -> list[tuple[Box, bytes]]:
    """Each child box of the box ``data`` (after ``fixed`` bytes of its payload) and its bytes."""
    root = parse_header(data[:16], 0, len(data))
    start = root.header + fixed
    return [(b, data[b.start : b.start + b.size]) for b in children(data, start, len(data))]


def _rebuild_moov(moov: bytes, avcc: bytes, tables: dict[bytes, bytes], plan: _Plan) -> bytes:
    video = h264_trak(moov)
    trak = moov[video.start : video.start + video.size]
    movie_scale = _timescale(moov, b"mvhd")
    shown = round(plan.shown * movie_scale / _timescale(trak, b"mdhd"))
    out = []
    for box, data in _parts(moov):
        if box.kind == b"mvhd":
            out.append(_with_duration(data, shown))
        elif box.start == video.start:
            out.append(_rebuild_trak(data, avcc, tables, plan, shown))
        elif box.kind != b"trak":  # other tracks (sound) are not part of the final video
            out.append(data)
    return _box(b"moov", b"".join(out))


def _rebuild_trak(
    trak: bytes, avcc: bytes, tables: dict[bytes, bytes], plan: _Plan, shown: int
) -> bytes:
    out = []
    for box, data in _parts(trak):
        if box.kind == b"tkhd":
            out.append(_with_duration(data, shown))
            out.append(_edit_list(plan, shown))
        elif box.kind == b"mdia":
            out.append(_rebuild(data, lambda b, d: _mdia_child(b, d, avcc, tables, plan)))
        elif box.kind not in (b"edts", b"tref"):
            out.append(data)
    return _box(b"trak", b"".join(out))


def _mdia_child(
    box: Box, data: bytes, avcc: bytes, tables: dict[bytes, bytes], plan: _Plan
) -> bytes | None:
    if box.kind == b"mdhd":
        return _with_duration(data, plan.media_duration)
    if box.kind == b"minf":
        return _rebuild(data, lambda b, d: _stbl(d, avcc, tables) if b.kind == b"stbl" else d)
    return data


def _stbl(stbl: bytes, avcc: bytes, tables: dict[bytes, bytes]) -> bytes:
    out = [_rebuild_stsd(data, avcc) for box, data in _parts(stbl) if box.kind == b"stsd"]
    out += [_box(kind, tables[kind]) for kind in _WRITTEN_TABLES if kind in tables]
    return _box(b"stbl", b"".join(out))


def _rebuild_stsd(stsd: bytes, avcc: bytes) -> bytes:
    head = parse_header(stsd[:16], 0, len(stsd)).header
    # the first sample entry is the one every sample refers to (stsc says 1)
    entries = [data for _entry, data in _parts(stsd, STSD_FIELDS)][:1]
    fields = stsd[head : head + STSD_FIELDS - 4] + struct.pack(">I", len(entries))
    return _box(b"stsd", fields + b"".join(_rebuild_entry(entry, avcc) for entry in entries))


def _rebuild_entry(entry: bytes, avcc: bytes) -> bytes:
    root = parse_header(entry[:16], 0, len(entry))
    fixed = entry[root.header : root.header + VISUAL_ENTRY_FIELDS]
    # btrt states the clip's bitrate, which the joined video does not have
    kept = [
        _box(b"avcC", avcc) if box.kind == b"avcC" else data
        for box, data in _parts(entry, VISUAL_ENTRY_FIELDS)
        if box.kind != b"btrt"
    ]
    return _box(root.kind, fixed + b"".join(kept))


def _rebuild(data: bytes, change: Callable[[Box, bytes], bytes | None]) -> bytes:
    root = parse_header(data[:16], 0, len(data))
    made = [change(box, part) for box, part in _parts(data)]
    return _box(root.kind, b"".join(part for part in made if part is not None))


def _edit_list(plan: _Plan, shown: int) -> bytes:
    wide = shown >= _U32 or plan.media_start >= 2**31
    entry = struct.pack(">QqhH" if wide else ">IihH", shown, plan.media_start, 1, 0)
    elst = _full(struct.pack(">I", 1) + entry, version=1 if wide else 0)
    return _box(b"edts", _box(b"elst", elst))


def _timescale(parent: bytes, kind: bytes) -> int:
    """The timescale of the mvhd or mdhd under ``parent``: after two times of 4 or 8 bytes."""
    for box, data in _parts(parent):
        if box.kind == kind:
            payload = data[box.header :]
            return struct.unpack_from(">I", payload, 20 if payload[0] == 1 else 12)[0]
        if box.kind == b"mdia":
            return _timescale(data, kind)
    raise MediaError(f"the template mp4 has no {kind.decode()} box")


def _with_duration(data: bytes, duration: int) -> bytes:
    """mvhd, tkhd or mdhd ``data`` with its duration field set to ``duration``."""
    head = parse_header(data[:16], 0, len(data)).header
    payload = bytearray(data[head:])
    version = payload[0]
    at = {b"mvhd": (24, 16), b"mdhd": (24, 16), b"tkhd": (28, 20)}[data[4:8]][version == 0]
    if version == 1:
        struct.pack_into(">Q", payload, at, duration)
    elif duration < _U32:
        struct.pack_into(">I", payload, at, duration)
    else:
        raise MediaError("the joined video is too long for its movie header")
    return data[:head] + bytes(payload)


def _copy_samples(samples: Sequence[OutSample], write: Callable[[bytes], object]) -> None:
    """Copy each sample's bytes, one read per run of samples stored back to back."""
    run_start = 0
    for index in range(1, len(samples) + 1):
        if index < len(samples):
            prev, this = samples[index - 1], samples[index]
            if this.path == prev.path and this.offset == prev.offset + prev.size:
                continue
        run = samples[run_start:index]
        _copy_range(run[0].path, run[0].offset, sum(s.size for s in run), write)
        run_start = index


def _copy_range(path: Path, offset: int, count: int, write: Callable[[bytes], object]) -> None:
    with open(path, "rb") as src:
        src.seek(offset)
        while count > 0:
            chunk = src.read(min(count, 1 << 22))
            if not chunk:
                raise MediaError(f"{Path(path).name} ended early while copying its frames")
            write(chunk)
            count -= len(chunk)
