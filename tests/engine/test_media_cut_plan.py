"""Cut points worked out from packet lists alone, for the stream layouts encoders write."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from scenemaker_desktop.engine.media.cut_plan import (
    CannotCopy,
    Piece,
    clean_prefix,
    concat_directives,
    decode_lead,
    expected_times,
    seek_point,
)
from scenemaker_desktop.engine.media.probe import Packet, PacketList

TICKS = 512  # one frame at 24 fps in a 1/12288 time base


def stream(order: list[int], keys: tuple[int, ...] = (0,), lead: int = 0) -> PacketList:
    """Packets holding frames ``order`` (presentation indices, in decode order)."""
    listed = tuple(
        Packet(dts=(position - lead) * TICKS, pts=frame * TICKS, duration=TICKS, key=frame in keys)
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
    frames = PacketList(Fraction(1, 24), 2, 2, (Packet(0, 0, 1, True), Packet(1, 0, 1, False)))
    with pytest.raises(CannotCopy):
        clean_prefix(frames, 2)


def test_decode_lead_is_the_fixed_delay_of_a_b_frame_stream() -> None:
    assert decode_lead(stream(PYRAMID, lead=2)) == 2 * TICKS
    assert decode_lead(stream(list(range(5)))) == 0


def test_a_stream_with_an_irregular_decode_delay_is_not_continued() -> None:
    listed = (Packet(0, 0, 1, True), Packet(1, 2, 1, False), Packet(3, 1, 1, False))
    with pytest.raises(CannotCopy):
        decode_lead(PacketList(Fraction(1, 24), 2, 2, listed))


def test_seek_point_is_the_last_keyframe_before_the_frame_at_its_decode_time() -> None:
    frames = stream(PYRAMID, keys=(0, 8), lead=2)
    assert seek_point(frames, 3) is None  # only frame 0's keyframe lies before
    # frame 8 is decoded 5th, at dts 3 frames (the stream's dts start 2 frames early)
    assert seek_point(frames, 9) == Fraction(3 * TICKS, 12288)


def test_concat_durations_add_up_to_exact_starts_however_many_pieces() -> None:
    third = Fraction(1, 3)  # not a whole number of microseconds
    pieces = [Piece(Path(f"p{k}.mp4"), (Fraction(0),), third) for k in range(30)]
    start, total_us = Fraction(0), 0
    for piece in pieces:
        line = concat_directives(piece, start, "file 'x'")[-1]
        total_us += int(line.removeprefix("duration ").removesuffix("us"))
        start += piece.span
        assert abs(total_us - start * 1_000_000) <= Fraction(1, 2)
    assert expected_times(pieces)[-1] == 29 * third


def test_outpoint_is_written_for_a_copied_front_that_stops_early() -> None:
    piece = Piece(Path("a.mp4"), (Fraction(0),), Fraction(1, 24), outpoint=Fraction(1, 48))
    assert concat_directives(piece, Fraction(0), "file 'a'") == [
        "file 'a'",
        "outpoint 20833us",
        "duration 41667us",
    ]
