"""Where a clip can be cut without decoding it, worked out from its packet list alone.

A clip's packets are stored in decode order, which differs from presentation
order when B-frames borrow from later frames. The first ``m`` packets can be
copied as they are exactly when they hold frames 0..m-1: each packet refers
only to packets decoded before it, so that run decodes on its own, and the next
piece starts with a keyframe of its own. Such a point follows every keyframe
and, in clips without B-frames, every frame; with B-frames it closes each
mini-GOP (every 2-4 frames for x264), so a cut seldom has to re-encode more than
a few frames even in a clip with a single keyframe.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

from scenemaker_desktop.engine.media.mp4_read import Mp4Track
from scenemaker_desktop.engine.media.mp4_write import OutSample
from scenemaker_desktop.engine.media.packets import PacketList


class CannotCopy(Exception):
    """The clips cannot be joined by copying; the caller encodes them whole instead."""


@dataclass(frozen=True)
class CutPlan:
    """One clip in the joined video: ``copied`` packets as stored, then frames up to ``kept``
    encoded afresh (the tail)."""

    track: Mp4Track
    kept: int
    copied: int

    @property
    def stream(self) -> PacketList:
        return self.track.stream

    @property
    def tail(self) -> int:
        return self.kept - self.copied


def plan_cut(track: Mp4Track, kept: int) -> CutPlan:
    """Copy as many of the kept frames as decode on their own; encode the rest."""
    return CutPlan(track, kept, clean_prefix(track.stream, kept))


def clean_prefix(stream: PacketList, kept: int) -> int:
    """The largest m <= kept whose first m packets (decode order) are frames 0..m-1."""
    rank = {pts: index for index, pts in enumerate(stream.frame_pts())}
    if len(rank) != stream.frame_count:
        raise CannotCopy("two frames share a timestamp")
    best, latest = 0, -1
    for position, packet in enumerate(stream.packets[:kept]):
        latest = max(latest, rank[packet.pts])
        if latest == position:
            best = position + 1
    return best


def decode_lead(stream: PacketList) -> int:
    """By how many ticks each packet's dts trails the frame at its position (x264: 0-2 frames).

    A re-encoded tail has no B-frames; giving it the clip's own lead keeps the
    joined stream's dts rising across both of its seams. A clip whose lead
    varies is not one we can continue that way.
    """
    leads = {
        pts - packet.dts for pts, packet in zip(stream.frame_pts(), stream.packets, strict=True)
    }
    if len(leads) != 1 or min(leads) < 0:
        raise CannotCopy("the clip's decode timestamps do not follow a fixed delay")
    return leads.pop()


def seek_point(stream: PacketList, frame: int) -> Fraction | None:
    """Seconds to seek to (``-ss`` before ``-i``) so decoding starts at a keyframe at or
    before ``frame``; None when only decoding from the start will do."""
    pts = stream.frame_pts()
    keys = [p for p in stream.packets if p.key and p.pts <= pts[frame]]
    if not keys:
        return None
    # The keyframe's dts is at or before its pts, so a seek there cannot land past it
    # whether the demuxer compares decode or presentation times.
    start = max(keys, key=lambda packet: packet.pts).dts - pts[0]
    return stream.seconds(start) if start > 0 else None


def frame_window(
    stream: PacketList, first: int, end: int
) -> tuple[Fraction | None, Fraction | None]:
    """Seconds (file time) bounding exactly frames [first, end), halfway to their neighbours;
    None where the range reaches the clip's start or end."""
    pts = stream.frame_pts()
    low = stream.seconds(Fraction(pts[first - 1] + pts[first], 2)) if first > 0 else None
    high = stream.seconds(Fraction(pts[end - 1] + pts[end], 2)) if end < len(pts) else None
    return low, high


def copied_samples(track: Mp4Track, copied: int, start: int) -> list[OutSample]:
    """The first ``copied`` packets of ``track``, timed so its frame 0 shows at ``start``."""
    zero = track.stream.frame_pts()[0]
    return [
        OutSample(
            track.path,
            offset,
            p.size,
            p.dts - zero + start,
            p.pts - zero + start,
            p.duration,
            p.key,
        )
        for p, offset in zip(track.stream.packets[:copied], track.offsets[:copied], strict=True)
    ]


def tail_samples(tail: Mp4Track, lead: int, start: int) -> list[OutSample]:
    """A re-encoded tail's packets, its first frame shown at ``start``.

    The tail has no B-frames (decode order is presentation order), so each
    packet may be decoded ``lead`` early, as the clip's own packets are; that
    keeps decode times rising into and out of the tail.
    """
    if any(a.pts >= b.pts for a, b in itertools.pairwise(tail.stream.packets)):
        raise CannotCopy("the re-encoded tail reorders its frames")
    zero = tail.stream.packets[0].pts
    return [
        OutSample(
            tail.path,
            offset,
            p.size,
            p.pts - zero + start - lead,
            p.pts - zero + start,
            p.duration,
            p.key,
        )
        for p, offset in zip(tail.stream.packets, tail.offsets, strict=True)
    ]


def span(stream: PacketList, end: int) -> int:
    """Ticks from frame 0 to where frame ``end`` starts (or, past the last frame, where it ends)."""
    return _boundary(stream, end) - stream.frame_pts()[0]


def relative_times(stream: PacketList, first: int, end: int) -> list[int]:
    """Presentation ticks of frames [first, end), from frame ``first``."""
    pts = stream.frame_pts()
    return [p - pts[first] for p in pts[first:end]]


def check_timeline(samples: list[OutSample]) -> None:
    """Every packet decoded after the one before it, and never after it is shown."""
    rising = all(a.dts < b.dts for a, b in itertools.pairwise(samples))
    if not rising or any(sample.pts < sample.dts for sample in samples):
        raise CannotCopy("the joined video's decode times would not rise")


def _boundary(stream: PacketList, frame: int) -> int:
    """Ticks where frame ``frame`` starts; for one past the last, where the last one ends."""
    pts = stream.frame_pts()
    if frame < len(pts):
        return pts[frame]
    last = max(stream.packets, key=lambda packet: packet.pts)
    return last.pts + max(last.duration, 1)
