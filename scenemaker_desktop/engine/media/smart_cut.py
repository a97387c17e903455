"""Exact seams without re-encoding whole clips (a "smart cut").

Each clip's frames up to its cut are copied as stored as far as they decode on
their own (see ``cut_plan``); only the few frames between that point and the
cut are decoded and encoded again (the tail), and the samples are written into
one new mp4 (``mp4_write``). That needs the clips to be one H.264 stream in all
but timing: byte-identical decoder setup (avcC: profile, level, parameter
sets, hence size and 8-bit 4:2:0 for the profiles we take), the same time scale
and colour tags. The tails are encoded to fit that stream (same profile and
level, no B-frames, decode times set by the clip's own delay) under
parameter-set ids of their own, and the new avcC lists both sets.

The plan is made from the mp4 tables (no ffmpeg run); what cannot be assumed is
checked: the tails' frames and settings, then, read back by ffmpeg, every
packet of the written file against the plan. When anything is off,
``join_by_copy`` returns None and the caller encodes the whole video instead.
"""

from __future__ import annotations

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
from scenemaker_desktop.engine.media.cut_plan import (
    CannotCopy,
    CutPlan,
    check_timeline,
    copied_samples,
    decode_lead,
    frame_window,
    plan_cut,
    relative_times,
    seek_point,
    span,
    tail_samples,
)
from scenemaker_desktop.engine.media.cuts import PRESET, TAIL_CRF, ClipCut, frames_kept
from scenemaker_desktop.engine.media.ffmpeg_bin import atomic_output, run_ffmpeg
from scenemaker_desktop.engine.media.mp4_read import Mp4Track, read_track
from scenemaker_desktop.engine.media.mp4_write import OutSample, write_video
from scenemaker_desktop.engine.media.packets import PacketList, packets

_MAX_PARAMETER_SET_ID = 31


@dataclass(frozen=True)
class SmartJoin:
    """What ``join_by_copy`` wrote: frames and seconds, tails encoded and their frames."""

    frame_count: int
    duration: float
    encodes: int
    encoded_frames: int


def join_by_copy(
    clips: Sequence[ClipCut],
    dest: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> SmartJoin | None:
    """Write ``clips`` to ``dest`` by copying all but the seam tails; None if they cannot be.

    A cut past a clip's end raises ValidationError, as the full encode would;
    clips this path cannot read are left to the full encode to report.
    """
    paths = [Path(clip.path) for clip in clips]
    try:
        tracks = {path: read_track(path) for path in dict.fromkeys(paths)}
        config = _shared_setup(list(tracks.values()))
        plans = []
        for number, (clip, path) in enumerate(zip(clips, paths, strict=True), start=1):
            kept = frames_kept(number, clip, tracks[path].stream.frame_count)
            plans.append(plan_cut(tracks[path], kept))
        report(0.05)
        return _join(plans, config, dest, cancel, report)
    except (CannotCopy, MediaError):
        if cancel is not None:
            cancel.raise_if_cancelled()
        return None


def _shared_setup(tracks: Sequence[Mp4Track]) -> AvcConfig:
    first = tracks[0]
    same = {(t.avcc, t.colour, t.stream.time_base) for t in tracks}
    if len(same) != 1:
        raise CannotCopy("the clips differ in decoder setup, colour or time scale")
    config = parse_avcc(first.avcc)
    if config.profile not in PROFILE_NAMES:
        raise CannotCopy(f"H.264 profile {config.profile} is not re-encoded to match")
    if first.stream.time_base.numerator != 1:
        raise CannotCopy("an mp4 track's time base is 1/timescale")
    return config


def _join(
    plans: Sequence[CutPlan],
    config: AvcConfig,
    dest: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> SmartJoin:
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{dest.stem}.", dir=dest.parent) as tmp:
        tails = _encode_tails(plans, config, Path(tmp), cancel, report)
        samples = _timeline(plans, tails)
        # the tails all share one set of parameter sets (checked when they were made)
        merged = (
            config.with_sets_of(parse_avcc(next(iter(tails.values())).avcc)) if tails else config
        )
        with atomic_output(dest) as out:
            write_video(out, plans[0].track.path, samples, avcc_bytes(merged))
            report(0.9)
            _verify(packets(out, cancel), samples)
            if cancel is not None:
                cancel.raise_if_cancelled()
    encoded = sum(kept - copied for _path, copied, kept in tails)
    duration = float(sum(plan.stream.seconds(span(plan.stream, plan.kept)) for plan in plans))
    return SmartJoin(len(samples), duration, len(tails), encoded)


def _timeline(
    plans: Sequence[CutPlan], tails: dict[tuple[Path, int, int], Mp4Track]
) -> list[OutSample]:
    samples: list[OutSample] = []
    start = 0
    for plan in plans:
        samples += copied_samples(plan.track, plan.copied, start)
        if plan.tail:
            tail = tails[_tail_key(plan)]
            lead = decode_lead(plan.stream)
            samples += tail_samples(tail, lead, start + span(plan.stream, plan.copied))
        start += span(plan.stream, plan.kept)
    check_timeline(samples)
    return samples


def _tail_key(plan: CutPlan) -> tuple[Path, int, int]:
    """Cuts of the same clip at the same frame share one tail."""
    return (plan.track.path, plan.copied, plan.kept)


def _encode_tails(
    plans: Sequence[CutPlan],
    config: AvcConfig,
    folder: Path,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> dict[tuple[Path, int, int], Mp4Track]:
    todo = {_tail_key(plan): plan for plan in plans if plan.tail}
    tail_id = _free_id(config)
    tails: dict[tuple[Path, int, int], Mp4Track] = {}
    for number, (key, plan) in enumerate(todo.items()):
        path = folder / f"tail{number}.mp4"
        _encode_tail(plan, config, tail_id, path, cancel)
        tails[key] = read_track(path)
        _check_tail(plan, config, tail_id, tails[key])
        report(0.05 + 0.8 * (number + 1) / len(todo))
    if len({tail.avcc for tail in tails.values()}) > 1:
        raise CannotCopy("the tails came out with different parameter sets")
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
    args += ["-copyts", "-i", str(plan.track.path), "-map", "0:v:0"]
    args += ["-vf", _select_frames(stream, plan.copied, plan.kept), "-fps_mode", "passthrough"]
    args += ["-c:v", "libx264", "-preset", PRESET, "-crf", str(TAIL_CRF), "-pix_fmt", "yuv420p"]
    # no B-frames: decode order is presentation order, and the clip's delay is given in _timeline
    args += ["-bf", "0", "-profile:v", PROFILE_NAMES[config.profile]]
    args += ["-level:v", f"{config.level / 10:g}", "-x264-params", f"sps-id={tail_id}"]
    args += ["-video_track_timescale", str(stream.time_base.denominator), "-f", "mp4", str(out)]
    run_ffmpeg(args, cancel=cancel)


def _select_frames(stream: PacketList, first: int, end: int) -> str:
    low, high = frame_window(stream, first, end)
    tests = [f"gte(t\\,{_decimal(low)})"] if low is not None else []
    tests += [f"lt(t\\,{_decimal(high)})"] if high is not None else []
    select = f"select={'*'.join(tests)}," if tests else ""
    return f"{select}setpts=PTS-STARTPTS"


def _check_tail(plan: CutPlan, config: AvcConfig, tail_id: int, tail: Mp4Track) -> None:
    source = plan.track
    made = tail.stream
    if relative_times(made, 0, made.frame_count) != relative_times(
        plan.stream, plan.copied, plan.kept
    ):
        raise CannotCopy("the re-encoded tail does not hold exactly the frames it replaces")
    fits = (made.time_base, made.width, made.height, tail.colour) == (
        source.stream.time_base,
        source.stream.width,
        source.stream.height,
        source.colour,
    )
    own = parse_avcc(tail.avcc)
    ids_ok = [sps_id(n) for n in own.sps] == [tail_id] and [pps_ids(n) for n in own.pps] == [
        (tail_id, tail_id)
    ]
    same_kind = (own.profile, own.length_size_byte) == (config.profile, config.length_size_byte)
    if not (fits and ids_ok and same_kind and own.level <= config.level):
        raise CannotCopy("the re-encoded tail does not fit the clips' H.264 stream")


def _verify(written: PacketList, samples: Sequence[OutSample]) -> None:
    """ffmpeg reads back exactly the packets planned: times, sizes, keyframes."""
    got = [(p.dts, p.pts, p.size, p.key) for p in written.packets]
    if got != [(s.dts, s.pts, s.size, s.key) for s in samples]:
        raise CannotCopy("the written video does not read back as planned")


def _decimal(seconds: Fraction) -> str:
    return f"{float(seconds):.9f}"
