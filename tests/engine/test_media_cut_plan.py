"""Cut points worked out from packet lists alone, for the stream layouts encoders write."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from scenemaker_desktop.engine.media.cut_plan import (
    CannotCopy,
    check_timeline,
    clean_prefix,
    copied_samples,
    decode_lead,
    seek_point,
    span,
    tail_samples,
)
from scenemaker_desktop.engine.media.mp4_read import Mp4Track
from scenemaker_desktop.engine.media.packets import Packet, PacketList

TICKS = 512  # one frame at 24 fps in a 1/12288 time base


def stream(order: list[int], keys: tuple[int, ...] = (0,), lead: int = 0) -> PacketList:
    """Packets holding frames ``order`` (presentation indices, in decode order)."""
    listed = tuple(
        Packet((position - lead) * TICKS, frame * TICKS, TICKS, frame in keys, size=1000)
        for position, frame in enumerate(order)
    )
    return PacketList(Fraction(1, 12288), 320, 180, listed)


# x264 with B-frames and b-pyramid: I0 P4 B2 b1 b3 P8 B6 b5 b7 ...
PYRAMID = [0, 4, 2, 1, 3, 8, 6, 5, 7, 9]


def test_without_b_frames_every_frame_is_a_clean_cut() -> None:
    frames = stream(list(range(10)))
    assert [clean_prefix(frames, cut) for cut in range(1, 11)] == list(range(1, 11))


def test_with_b_frames_a_cut_copies_up_to_the_last_whole_mini_gop() -> None:
    frames = stream(PYRAMID, lead=2)
    assert [clean_prefix(frames, cut) for cut in range(1, 11)] == [1, 1, 1, 1, 5, 5, 5, 5, 9, 10]


def test_a_cut_before_a_frame_decoded_late_copies_nothing_up_to_it() -> None:
    # frame 0 is a leading picture, decoded after the keyframe (frame 1) it leans on
    frames = stream([1, 0, 2, 3], keys=(1,))
    assert [clean_prefix(frames, cut) for cut in range(1, 5)] == [0, 2, 3, 4]


def test_two_frames_with_one_timestamp_cannot_be_planned() -> None:
    frames = PacketList(
        Fraction(1, 24), 2, 2, (Packet(0, 0, 1, True, 9), Packet(1, 0, 1, False, 9))
    )
    with pytest.raises(CannotCopy):
        clean_prefix(frames, 2)


def test_decode_lead_is_the_fixed_delay_of_a_b_frame_stream() -> None:
    assert decode_lead(stream(PYRAMID, lead=2)) == 2 * TICKS
    assert decode_lead(stream(list(range(5)))) == 0


def test_a_stream_with_an_irregular_decode_delay_is_not_continued() -> None:
    listed = (Packet(0, 0, 1, True, 9), Packet(1, 2, 1, False, 9), Packet(3, 1, 1, False, 9))
    with pytest.raises(CannotCopy):
        decode_lead(PacketList(Fraction(1, 24), 2, 2, listed))


def test_seek_point_is_the_last_keyframe_before_the_frame_at_its_decode_time() -> None:
    frames = stream(PYRAMID, keys=(0, 8), lead=2)
    assert seek_point(frames, 3) is None  # only frame 0's keyframe lies before
    # frame 8 is decoded 5th, at dts 3 frames (the stream's dts start 2 frames early)
    assert seek_point(frames, 9) == Fraction(3 * TICKS, 12288)


def track(stream_: PacketList, name: str = "clip.mp4") -> Mp4Track:
    offsets = tuple(1000 * k for k in range(stream_.frame_count))
    return Mp4Track(Path(name), stream_, offsets, avcc=b"", colour=b"")


def test_a_tail_continues_the_clips_decode_delay_across_both_seams() -> None:
    clip = track(stream(PYRAMID, lead=2))
    copied = copied_samples(clip, 5, start=0)
    tail = tail_samples(track(stream([0, 1, 2]), "tail.mp4"), 2 * TICKS, start=5 * TICKS)
    after = copied_samples(clip, 5, start=8 * TICKS)
    joined = copied + tail + after
    check_timeline(joined)  # rising dts, none after its pts
    assert [s.pts // TICKS for s in tail] == [5, 6, 7]
    # clip (5 packets, 2 frames early), tail (2 early, like the clip), the clip again
    assert [s.dts // TICKS for s in joined] == list(range(-2, 11))


def test_a_tail_that_reorders_its_frames_is_refused() -> None:
    with pytest.raises(CannotCopy):
        tail_samples(track(stream([0, 2, 1]), "tail.mp4"), 0, start=0)


def test_a_timeline_whose_decode_times_fall_back_is_refused() -> None:
    clip = track(stream(PYRAMID, lead=2))
    # a second clip started one frame too early: its first packet decodes before the last one
    joined = copied_samples(clip, 5, start=0) + copied_samples(clip, 5, start=4 * TICKS)
    with pytest.raises(CannotCopy):
        check_timeline(joined)


def test_span_ends_a_whole_clip_where_its_last_frame_ends() -> None:
    clip = stream(PYRAMID, lead=2)
    assert (span(clip, 5), span(clip, 10)) == (5 * TICKS, 10 * TICKS)
