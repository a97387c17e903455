"""Exact seams without re-encoding whole clips (a "smart cut").

Each clip's frames up to its cut are stream-copied as far as they decode on
their own (see ``cut_plan``); only the few frames between that point and the
cut are decoded and encoded again (the tail), and the concat demuxer joins the
pieces. That needs the clips to be one H.264 stream in all but timing: same
codec, profile, 8-bit 4:2:0, size, time base, colour tags and identical
parameter sets. The tails are encoded to fit that stream (same profile and
level, the clip's decode delay) under parameter-set ids of their own, and the
joined file's avcC lists both sets.

Whatever cannot be guaranteed is checked rather than assumed: the tails'
frames and settings, then every frame's timestamp and decode order in the
joined file. When anything is off, ``join_by_copy`` returns None and the caller
encodes the whole video instead, as it did before this path existed.
"""

from __future__ import annotations

import itertools
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.avc import (
    PROFILE_NAMES,
    AvcConfig,
    avcc_bytes,
    parse_avcc,
    pps_ids,
    sps_id,
)
from scenemaker_desktop.engine.media.concat import StreamShape, file_line, stream_shapes
from scenemaker_desktop.engine.media.cut_plan import (
    CannotCopy,
    CutPlan,
    Piece,
    concat_directives,
    decode_lead,
    expected_times,
    frame_window,
    pieces_of,
    plan_cut,
    seek_point,
    tail_piece,
)
from scenemaker_desktop.engine.media.cuts import PRESET, TAIL_CRF, ClipCut, frames_kept
from scenemaker_desktop.engine.media.ffmpeg_bin import atomic_output, read_headers, run_ffmpeg
from scenemaker_desktop.engine.media.mp4_boxes import read_avcc, write_with_avcc
from scenemaker_desktop.engine.media.probe import PacketList, packets

# 8-bit 4:2:0 only: what libx264 is asked for below, and what every clip we make is
_COPYABLE_PIXELS = re.compile(r"^yuv420p(\(|$)")
_MAX_PARAMETER_SET_ID = 31


@dataclass(frozen=True)
class SmartJoin:
    """What ``join_by_copy`` wrote: frames and seconds, tails encoded and their frames."""

    frame_count: int
    duration: float
    encodes: int
    encoded_frames: int


@dataclass(frozen=True)
class _Source:
    stream: PacketList
    config: AvcConfig


@dataclass(frozen=True)
class _Tail:
    path: Path
    config: AvcConfig


def join_by_copy(
    clips: Sequence[ClipCut],
    dest: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> SmartJoin | None:
    """Write ``clips`` to ``dest`` by copying all but the seam tails; None if they cannot be.

    Inputs that cannot be opened raise MediaError, and cuts past a clip's end
    ValidationError, as the full encode would.
    """
    paths = [Path(clip.path) for clip in clips]
    shapes = stream_shapes(read_headers(paths), paths)
    try:
        _check_shapes(shapes)
        sources = {path: _source(path, cancel) for path in dict.fromkeys(paths)}
        config = _shared_config(list(sources.values()))
        plans = []
        for number, (clip, path) in enumerate(zip(clips, paths, strict=True), start=1):
            stream = sources[path].stream
            plans.append(plan_cut(path, stream, frames_kept(number, clip, stream.frame_count)))
        report(0.05)
        return _join(plans, config, shapes[0], dest, cancel, report)
    except (CannotCopy, MediaError):
        if cancel is not None:
            cancel.raise_if_cancelled()
        return None


def _check_shapes(shapes: Sequence[StreamShape]) -> None:
    first = shapes[0]
    if any(shape != first for shape in shapes):
        raise CannotCopy("the clips differ in codec, size, rate, time base or colour")
    if not first.codec.startswith("h264") or not _COPYABLE_PIXELS.match(first.pixel_format):
        raise CannotCopy("only 8-bit 4:2:0 H.264 clips are copied")


def _source(path: Path, cancel: CancelToken | None) -> _Source:
    stream = packets(path, cancel)
    if stream.time_base.numerator != 1:
        raise CannotCopy("an mp4 track's time base is 1/timescale")
    return _Source(stream, parse_avcc(read_avcc(path)))


def _shared_config(sources: Sequence[_Source]) -> AvcConfig:
    config = sources[0].config
    if any(source.config != config for source in sources):
        raise CannotCopy("the clips were encoded with different parameter sets")
    if config.profile not in PROFILE_NAMES:
        raise CannotCopy(f"H.264 profile {config.profile} is not re-encoded to match")
    return config


def _join(
    plans: Sequence[CutPlan],
    config: AvcConfig,
    shape: StreamShape,
    dest: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> SmartJoin:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.stem}.", dir=dest.parent) as tmp:
        folder = Path(tmp)
        tails = _encode_tails(plans, config, shape, folder, cancel, report)
        pieces = [
            piece
            for plan in plans
            for piece in pieces_of(plan, tails[_tail_key(plan)].path if plan.tail else None)
        ]
        joined = _concatenate(pieces, folder, cancel)
        _verify(packets(joined, cancel), pieces)
        report(0.95)
        # the tails all share one set of parameter sets (checked when they were made)
        merged = config.with_sets_of(next(iter(tails.values())).config) if tails else config
        with atomic_output(dest) as out:
            write_with_avcc(joined, out, avcc_bytes(merged))
            if cancel is not None:
                cancel.raise_if_cancelled()
    encoded = sum(kept - copied for _path, copied, kept in tails)
    duration = float(sum(piece.span for piece in pieces))
    return SmartJoin(sum(plan.kept for plan in plans), duration, len(tails), encoded)


def _tail_key(plan: CutPlan) -> tuple[Path, int, int]:
    """Cuts of the same clip at the same frame share one tail."""
    return (plan.path, plan.copied, plan.kept)


def _encode_tails(
    plans: Sequence[CutPlan],
    config: AvcConfig,
    shape: StreamShape,
    folder: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> dict[tuple[Path, int, int], _Tail]:
    todo = {_tail_key(plan): plan for plan in plans if plan.tail}
    tail_id = _free_id(config)
    tails: dict[tuple[Path, int, int], _Tail] = {}
    for number, (key, plan) in enumerate(todo.items()):
        path = folder / f"tail{number}.mp4"
        _encode_tail(plan, config, tail_id, path, cancel)
        tails[key] = _Tail(path, parse_avcc(read_avcc(path)))
        _check_tail(plan, config, tail_id, tails[key], cancel)
        report(0.05 + 0.75 * (number + 1) / len(todo))
    if len({tail.config for tail in tails.values()}) > 1:
        raise CannotCopy("the tails came out with different parameter sets")
    if tails:
        _check_tail_shapes(list(tails.values()), shape)
    return tails


def _free_id(config: AvcConfig) -> int:
    used = config.used_ids()
    free = [number for number in range(_MAX_PARAMETER_SET_ID + 1) if number not in used]
    if not free:
        raise CannotCopy("no parameter set id is free for the tails")
    return free[0]


def _encode_tail(
    plan: CutPlan, config: AvcConfig, tail_id: int, out: Path, cancel: CancelToken | None
) -> None:
    stream = plan.stream
    args = ["-y"]
    seek = seek_point(stream, plan.copied)
    if seek is not None:
        # no accurate seek: the select below picks the frames by their own timestamps
        args += ["-ss", _decimal(seek), "-noaccurate_seek"]
    args += ["-copyts", "-i", str(plan.path), "-map", "0:v:0"]
    args += ["-vf", _select_frames(stream, plan.copied, plan.kept), "-fps_mode", "passthrough"]
    args += ["-c:v", "libx264", "-preset", PRESET, "-crf", str(TAIL_CRF), "-pix_fmt", "yuv420p"]
    # no B-frames: any delay the tail needs is given to it with setts below
    args += ["-bf", "0", "-profile:v", PROFILE_NAMES[config.profile]]
    args += ["-level:v", f"{config.level / 10:g}", "-x264-params", f"sps-id={tail_id}"]
    lead = decode_lead(stream)
    if lead:
        seconds = _decimal(stream.seconds(lead))
        args += ["-bsf:v", f"setts=dts=PTS-round({seconds}/TB)"]
    args += ["-video_track_timescale", str(stream.time_base.denominator), "-f", "mp4", str(out)]
    run_ffmpeg(args, cancel=cancel)


def _select_frames(stream: PacketList, first: int, end: int) -> str:
    low, high = frame_window(stream, first, end)
    tests = [f"gte(t\\,{_decimal(low)})"] if low is not None else []
    tests += [f"lt(t\\,{_decimal(high)})"] if high is not None else []
    select = f"select={'*'.join(tests)}," if tests else ""
    return f"{select}setpts=PTS-STARTPTS"


def _check_tail(
    plan: CutPlan, config: AvcConfig, tail_id: int, tail: _Tail, cancel: CancelToken | None
) -> None:
    made = packets(tail.path, cancel)
    pts = made.frame_pts()
    times = tuple(made.seconds(p - pts[0]) for p in pts) if pts else ()
    if times != tail_piece(plan, tail.path).frames:
        raise CannotCopy("the re-encoded tail does not hold exactly the frames it replaces")
    own = tail.config
    ids_ok = [sps_id(n) for n in own.sps] == [tail_id] and [pps_ids(n) for n in own.pps] == [
        (tail_id, tail_id)
    ]
    fits = (own.profile, own.length_size_byte) == (config.profile, config.length_size_byte)
    if not (ids_ok and fits and own.level <= config.level):
        raise CannotCopy("the re-encoded tail does not fit the clips' H.264 stream")


def _check_tail_shapes(tails: Sequence[_Tail], shape: StreamShape) -> None:
    paths = [tail.path for tail in tails]
    for made in stream_shapes(read_headers(paths), paths):
        same = (made.pixel_format, made.width, made.height, made.time_base) == (
            shape.pixel_format,
            shape.width,
            shape.height,
            shape.time_base,
        )
        if not same:
            raise CannotCopy("the re-encoded tail's picture format differs from the clips'")


def _concatenate(pieces: Sequence[Piece], folder: Path, cancel: CancelToken | None) -> Path:
    lines: list[str] = []
    start = Fraction(0)
    for piece in pieces:
        lines += concat_directives(piece, start, file_line(piece.path))
        start += piece.span
    listing = folder / "pieces.txt"
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
    joined = folder / "joined.mp4"
    args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:v:0"]
    run_ffmpeg([*args, "-c", "copy", "-f", "mp4", str(joined)], cancel=cancel)
    return joined


def _verify(joined: PacketList, pieces: Sequence[Piece]) -> None:
    """Every frame where it belongs: exact times, pieces whole and in order, dts rising."""
    stored = joined.packets
    if len(stored) != sum(len(piece.frames) for piece in pieces):
        raise CannotCopy("the joined video has a different number of frames than planned")
    rising = all(a.dts < b.dts for a, b in itertools.pairwise(stored))
    if not rising or any(packet.pts < packet.dts for packet in stored):
        raise CannotCopy("the joined video's decode timestamps do not rise")
    first = min(packet.pts for packet in stored)
    expected = expected_times(list(pieces))
    at = 0
    for piece in pieces:
        chunk = stored[at : at + len(piece.frames)]
        times = sorted(joined.seconds(packet.pts - first) for packet in chunk)
        if times != expected[at : at + len(piece.frames)]:
            raise CannotCopy("a frame of the joined video is out of place")
        at += len(piece.frames)


def _decimal(seconds: Fraction) -> str:
    return f"{float(seconds):.9f}"
