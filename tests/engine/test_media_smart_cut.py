"""Exact seams by smart cut: kept frames copied bit for bit, only a few frames encoded.

The clips are small real H.264 files made with the bundled ffmpeg; every frame
of a grey clip has its own brightness, so decoding the joined video tells
exactly which source frame sits where.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from scenemaker_desktop.engine.media import ClipCut, assemble, probe
from scenemaker_desktop.engine.media.avc import parse_avcc, pps_ids, sps_id
from scenemaker_desktop.engine.media.cut_plan import clean_prefix
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.media.mp4_read import read_track
from scenemaker_desktop.engine.media.packets import packets
from tests.engine.media_fixtures import (
    frame_index_from_level,
    grey_frames,
    pattern_frame,
    render_clip,
)

# x264 with its defaults here: B-frames in mini-GOPs of up to 4 frames
SINGLE_KEYFRAME = ["-g", "250"]
KEYFRAME_EVERY_8 = ["-g", "8", "-keyint_min", "8", "-sc_threshold", "0"]
NO_B_FRAMES = ["-bf", "0"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("smart-cut-clips")
    up, down = grey_frames(30), grey_frames(30)[::-1]
    pattern = [pattern_frame(i) for i in range(24)]
    return {
        "up": render_clip(folder / "up.mp4", up, extra=SINGLE_KEYFRAME),
        "down": render_clip(folder / "down.mp4", down, extra=SINGLE_KEYFRAME),
        "up_gop8": render_clip(folder / "up_gop8.mp4", up, extra=KEYFRAME_EVERY_8),
        "down_gop8": render_clip(folder / "down_gop8.mp4", down, extra=KEYFRAME_EVERY_8),
        "up_no_b": render_clip(folder / "up_no_b.mp4", up, extra=NO_B_FRAMES),
        # another encoder setup: Constrained Baseline, CAVLC, other parameter sets
        "up_baseline": render_clip(folder / "up_base.mp4", up, extra=["-profile:v", "baseline"]),
        # detail that a re-encode cannot reproduce bit for bit, unlike flat grey
        "pattern": render_clip(folder / "pattern.mp4", pattern, extra=SINGLE_KEYFRAME),
        "pattern_gop8": render_clip(folder / "pattern_gop8.mp4", pattern, extra=KEYFRAME_EVERY_8),
        "up_with_sound": _with_sound(folder / "up_sound.mp4", folder / "up.mp4"),
    }


def _with_sound(dest: Path, video: Path) -> Path:
    args = ["-y", "-i", str(video), "-f", "lavfi", "-i", "sine=frequency=440:duration=1.25"]
    args += ["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-shortest", str(dest)]
    run_ffmpeg(args)
    return dest


def source_levels(cuts: list[tuple[str, int | None]]) -> list[int]:
    """The grey level index of every frame the joined video should show, in order."""
    levels = {"up": list(range(30)), "down": list(range(30))[::-1]}
    expected = []
    for name, end in cuts:
        kind = "down" if name.startswith("down") else "up"
        expected += levels[kind][:end]
    return expected


def decoded_levels(video: Path) -> list[int]:
    """Every frame of ``video`` decoded, as the grey level index it shows."""
    args = ["-i", str(video), "-vf", "scale=16:9,format=gray", "-f", "rawvideo", "pipe:1"]
    raw = run_ffmpeg(args).stdout
    frames = [raw[at : at + 144] for at in range(0, len(raw), 144)]
    return [
        frame_index_from_level(ImageStat.Stat(Image.frombytes("L", (16, 9), f)).mean[0])
        for f in frames
    ]


def frame_hashes(video: Path) -> list[str]:
    """An md5 of every decoded frame, in presentation order."""
    text = run_ffmpeg(["-i", str(video), "-map", "0:v:0", "-f", "framemd5", "-"]).stdout.decode()
    return [line.rsplit(",", 1)[1].strip() for line in text.splitlines() if line[:1] != "#"]


def join(clips: dict[str, Path], cuts: list[tuple[str, int | None]], dest: Path):
    return assemble([ClipCut(clips[name], end) for name, end in cuts], dest)


@pytest.mark.parametrize("gop", ["", "_gop8"], ids=["single keyframe", "keyframe every 8"])
def test_exact_seams_keep_exactly_the_frames_before_each_cut(
    clips: dict[str, Path], tmp_path: Path, gop: str
) -> None:
    cuts = [(f"up{gop}", 20), (f"down{gop}", 15), (f"up{gop}", None)]
    result = join(clips, cuts, tmp_path / "final.mp4")
    assert result.frame_count == probe(result.path).frame_count == 65
    assert abs(result.duration - 65 / 24) < 1e-9
    # no frame repeated or dropped anywhere, seams included
    assert decoded_levels(result.path) == source_levels(cuts)


@pytest.mark.parametrize("gop", ["", "_gop8"], ids=["single keyframe", "keyframe every 8"])
def test_only_a_few_frames_before_each_cut_are_encoded_the_rest_are_bit_exact(
    clips: dict[str, Path], tmp_path: Path, gop: str
) -> None:
    clip = clips[f"pattern{gop}"]
    result = assemble([ClipCut(clip, 19), ClipCut(clip, 11), ClipCut(clip)], tmp_path / "f.mp4")
    # x264's mini-GOPs here are at most 4 frames: 1 to 3 frames to encode per seam
    stream = packets(clip)
    tails = [cut - clean_prefix(stream, cut) for cut in (19, 11)]
    assert all(0 < tail <= 3 for tail in tails)
    assert (result.encodes, result.encoded_frames) == (2, sum(tails))
    source = frame_hashes(clip)
    got = frame_hashes(result.path)
    differing = [
        i
        for i, (a, b) in enumerate(zip(got, source[:19] + source[:11] + source, strict=True))
        if a != b
    ]
    tail_frames = list(range(19 - tails[0], 19)) + list(range(30 - tails[1], 30))
    assert differing == tail_frames


def test_clips_without_b_frames_are_cut_by_copy_alone(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [("up_no_b", 17), ("up_no_b", 9), ("up_no_b", None)]
    result = join(clips, cuts, tmp_path / "final.mp4")
    assert (result.encodes, result.encoded_frames, result.frame_count) == (0, 0, 56)
    assert decoded_levels(result.path) == source_levels(cuts)


def test_joined_video_has_rising_timestamps_and_decodes_without_errors(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    result = join(clips, [("up", 20), ("down", 15), ("up", None)], tmp_path / "final.mp4")
    stream = packets(result.path)
    dts = [packet.dts for packet in stream.packets]
    assert dts == sorted(set(dts))
    assert all(packet.pts >= packet.dts for packet in stream.packets)
    ticks = round(1 / (24 * stream.time_base))
    assert stream.frame_pts() == [i * ticks for i in range(65)]
    decoded = run_ffmpeg(["-v", "error", "-i", str(result.path), "-f", "null", "-"])
    assert decoded.stderr.strip() == b""


def test_joined_video_lists_the_tails_parameter_sets_under_ids_of_their_own(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    result = join(clips, [("pattern", 19), ("pattern", None)], tmp_path / "final.mp4")
    assert result.encodes == 1
    config = parse_avcc(read_track(result.path).avcc)
    assert [sps_id(nal) for nal in config.sps] == [0, 1]
    assert [pps_ids(nal) for nal in config.pps] == [(0, 0), (1, 1)]
    # moov before mdat, as +faststart writes it: players can start before the download ends
    head = result.path.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head


def test_clips_with_other_parameter_sets_fall_back_to_one_whole_encode(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [("up", 20), ("up_baseline", 15)]
    result = join(clips, cuts, tmp_path / "final.mp4")
    assert (result.encodes, result.encoded_frames, result.frame_count) == (1, 35, 35)
    assert decoded_levels(result.path) == source_levels(cuts)
    assert [p.name for p in tmp_path.iterdir()] == ["final.mp4"]


def test_a_clip_with_sound_is_cut_exactly_and_the_final_video_is_silent(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [("up_with_sound", 20), ("up", None)]
    result = join(clips, cuts, tmp_path / "final.mp4")
    assert decoded_levels(result.path) == source_levels(cuts)
    header = run_ffmpeg(["-i", str(result.path), "-f", "null", "-"]).stderr.decode()
    assert re.search(r"Stream #0:\d+.*Audio", header) is None


def test_cut_right_after_a_keyframe_group_is_copied_whole(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    # frames 0..15 are two whole GOPs of 8: they decode on their own
    result = join(clips, [("up_gop8", 16), ("up_gop8", None)], tmp_path / "final.mp4")
    assert (result.encodes, result.frame_count) == (0, 46)


def test_smart_cut_leaves_nothing_behind(clips: dict[str, Path], tmp_path: Path) -> None:
    join(clips, [("pattern", 19), ("pattern", 11), ("pattern", None)], tmp_path / "final.mp4")
    assert [p.name for p in tmp_path.iterdir()] == ["final.mp4"]


def test_mp4_tables_give_the_packets_ffmpeg_reads(clips: dict[str, Path]) -> None:
    for name, path in clips.items():
        assert read_track(path).stream == packets(path), name


def test_a_clip_in_another_container_falls_back_to_one_whole_encode(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    mkv = tmp_path / "up.mkv"
    run_ffmpeg(["-i", str(clips["up"]), "-c", "copy", str(mkv)])
    result = assemble([ClipCut(mkv, 20), ClipCut(clips["up"])], tmp_path / "final.mp4")
    assert (result.encodes, result.frame_count) == (1, 50)
    assert decoded_levels(result.path) == source_levels([("up", 20), ("up", None)])
