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

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scenemaker_desktop.engine.media.probe import PacketList

_MICROSECOND = Fraction(1, 1_000_000)


class CannotCopy(Exception):
    """The clips cannot be joined by copying; the caller encodes them whole instead."""


@dataclass(frozen=True)
class CutPlan:
    """One clip in the joined video: ``copied`` packets as stored, then frames up to ``kept``
    encoded afresh (the tail)."""

    path: Path
    stream: PacketList
    kept: int
    copied: int

    @property
    def tail(self) -> int:
        return self.kept - self.copied


@dataclass(frozen=True)
class Piece:
    """One entry of the concat list: a file, the frames it contributes and how long it lasts.

    Times are seconds from the piece's start; ``outpoint`` (seconds, file time)
    ends the file at the first packet decoded at or after it.
    """

    path: Path
    frames: tuple[Fraction, ...]
    span: Fraction
    outpoint: Fraction | None = None


def plan_cut(path: Path, stream: PacketList, kept: int) -> CutPlan:
    """Copy as many of the kept frames as decode on their own; encode the rest."""
    return CutPlan(path, stream, kept, clean_prefix(stream, kept))


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


def copied_piece(plan: CutPlan) -> Piece:
    """The stream-copied front of ``plan``'s clip."""
    stream, pts = plan.stream, plan.stream.frame_pts()
    outpoint = None
    if plan.copied < stream.frame_count:
        dts = [packet.dts for packet in stream.packets]
        outpoint = stream.seconds(Fraction(dts[plan.copied - 1] + dts[plan.copied], 2))
    frames = tuple(stream.seconds(p - pts[0]) for p in pts[: plan.copied])
    span = stream.seconds(_boundary(stream, plan.copied) - pts[0])
    return Piece(plan.path, frames, span, outpoint)


def tail_piece(plan: CutPlan, tail_path: Path) -> Piece:
    """The re-encoded end of ``plan``'s clip, timed like the frames it replaces."""
    stream, pts = plan.stream, plan.stream.frame_pts()
    start = pts[plan.copied]
    frames = tuple(stream.seconds(p - start) for p in pts[plan.copied : plan.kept])
    span = stream.seconds(_boundary(stream, plan.kept) - start)
    return Piece(tail_path, frames, span)


def pieces_of(plan: CutPlan, tail_path: Path | None) -> list[Piece]:
    pieces = [copied_piece(plan)] if plan.copied else []
    if plan.tail:
        if tail_path is None:
            raise CannotCopy("a tail was planned but not encoded")
        pieces.append(tail_piece(plan, tail_path))
    return pieces


def concat_directives(piece: Piece, start: Fraction, file_line: str) -> list[str]:
    """The concat list lines for ``piece`` starting at ``start`` s in the joined video.

    The demuxer reads durations in whole microseconds and adds them up; giving
    each piece the difference of its rounded start and end keeps every start
    within half a microsecond of exact, however many pieces there are.
    """
    lines = [file_line]
    if piece.outpoint is not None:
        lines.append(f"outpoint {_microseconds(piece.outpoint)}us")
    span = _microseconds(start + piece.span) - _microseconds(start)
    lines.append(f"duration {span}us")
    return lines


def expected_times(pieces: list[Piece]) -> list[Fraction]:
    """Every frame's presentation time in the joined video, in order."""
    times: list[Fraction] = []
    start = Fraction(0)
    for piece in pieces:
        times += [start + frame for frame in piece.frames]
        start += piece.span
    return times


def _boundary(stream: PacketList, frame: int) -> int:
    """Ticks where frame ``frame`` starts; for one past the last, where the last one ends."""
    pts = stream.frame_pts()
    if frame < len(pts):
        return pts[frame]
    last = max(stream.packets, key=lambda packet: packet.pts)
    return last.pts + max(last.duration, 1)


def _microseconds(seconds: Fraction) -> int:
    return round(seconds / _MICROSECOND)
