"""Frames out of real clips: exact extraction, seed-frame choice, thumbnails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media import (
    SeedFrame,
    best_seed_frame,
    extract_frame,
    last_frame,
    probe,
    thumbnail,
)
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.media.frames import _latest_near_best
from tests.engine.media_fixtures import (
    SIZE,
    frame_index_from_level,
    grey_clip,
    mean_level,
    pattern_frame,
    render_clip,
    seed_by_whole_decode,
)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("frames-clips")
    sharp_then_blurred = [pattern_frame(i) for i in range(16)] + [
        pattern_frame(i, blur=0 if i == 19 else 2.5) for i in range(16, 24)
    ]
    # the tail is one blurred picture held still, so its frames score the same
    all_blurred_tail = [pattern_frame(i) for i in range(16)] + [pattern_frame(16, blur=2.5)] * 8
    text = folder / "notes.mp4"
    text.write_text("this is not a video\n")
    empty = folder / "empty.mp4"
    empty.touch()
    # keyframes every 4 frames and B-frames: the tail is decoded after a seek
    gop4 = ["-g", "4", "-keyint_min", "4", "-sc_threshold", "0"]
    blurs = [0, 0, 2.5, 0, 1.0, 2.5, 0, 1.5, 2.5, 1.0, 2.5, 1.5]
    varied_tail = [pattern_frame(i) for i in range(12)] + [
        pattern_frame(12 + i, blur=blur) for i, blur in enumerate(blurs)
    ]
    return {
        "grey": grey_clip(folder / "grey.mp4", 30),
        "varied_gop4": render_clip(folder / "varied_gop4.mp4", varied_tail, extra=gop4),
        "varied": render_clip(folder / "varied.mp4", varied_tail),
        "one_sharp": render_clip(folder / "one_sharp.mp4", sharp_then_blurred),
        "all_sharp": render_clip(folder / "all_sharp.mp4", [pattern_frame(i) for i in range(24)]),
        "blurred_tail": render_clip(folder / "blurred_tail.mp4", all_blurred_tail),
        "short": render_clip(folder / "short.mp4", [pattern_frame(i) for i in range(5)]),
        "large": render_clip(
            folder / "large.mp4", [pattern_frame(i, size=(640, 360)) for i in range(6)]
        ),
        "text": text,
        "empty": empty,
        "missing": folder / "missing.mp4",
    }


def leftovers(folder: Path, expected: set[str]) -> set[str]:
    return {p.name for p in folder.iterdir()} - expected


@pytest.mark.parametrize("index", [0, 1, 14, 28, 29])
def test_extract_frame_returns_exactly_the_requested_frame(
    clips: dict[str, Path], tmp_path: Path, index: int
) -> None:
    dest = extract_frame(clips["grey"], index, tmp_path / "frame.png")
    assert frame_index_from_level(mean_level(dest)) == index


def test_extract_frame_writes_a_png_at_the_clip_resolution(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    dest = extract_frame(clips["grey"], 3, tmp_path / "nested" / "frame.png")
    with Image.open(dest) as image:
        assert (image.format, image.size) == ("PNG", SIZE)
    assert leftovers(dest.parent, {"frame.png"}) == set()


def test_extract_frame_past_the_end_names_the_frame_count_and_keeps_the_old_file(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "frame.png"
    dest.write_bytes(b"previous")
    with pytest.raises(MediaError, match="has 30 frames; there is no frame 30"):
        extract_frame(clips["grey"], 30, dest)
    assert dest.read_bytes() == b"previous"
    assert leftovers(tmp_path, {"frame.png"}) == set()


def test_extract_frame_refuses_a_negative_index(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="0 or more"):
        extract_frame(clips["grey"], -1, tmp_path / "frame.png")
    assert not (tmp_path / "frame.png").exists()


@pytest.mark.parametrize("bad", ["missing", "text", "empty"])
@pytest.mark.parametrize(
    "call",
    [
        lambda video, dest: extract_frame(video, 0, dest),
        lambda video, dest: best_seed_frame(video, dest),
        lambda video, dest: last_frame(video, dest),
        lambda video, dest: thumbnail(video, dest.with_suffix(".jpg")),
    ],
    ids=["extract_frame", "best_seed_frame", "last_frame", "thumbnail"],
)
def test_bad_inputs_raise_media_error_and_write_nothing(
    clips: dict[str, Path], tmp_path: Path, bad: str, call
) -> None:
    with pytest.raises(MediaError):
        call(clips[bad], tmp_path / "out.png")
    assert list(tmp_path.iterdir()) == []


def test_best_seed_frame_picks_the_only_sharp_frame_in_a_blurred_tail(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    seed = best_seed_frame(clips["one_sharp"], tmp_path / "seed.png")
    assert seed.index == 19
    reference = extract_frame(clips["one_sharp"], 19, tmp_path / "ref.png")
    with Image.open(seed.path) as got, Image.open(reference) as want:
        assert ImageChops.difference(got, want).getbbox() is None


def test_best_seed_frame_takes_the_last_frame_when_all_are_equally_sharp(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    seed = best_seed_frame(clips["all_sharp"], tmp_path / "seed.png")
    assert seed == SeedFrame(index=23, path=tmp_path / "seed.png", sharpness=seed.sharpness)
    assert seed.sharpness > 0


def test_best_seed_frame_only_looks_at_the_last_frames(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    # frames 0..15 are crisp but outside the 8-frame window; the blurred tail is uniform
    seed = best_seed_frame(clips["blurred_tail"], tmp_path / "seed.png", lookback=8)
    assert seed.index == 23


def test_best_seed_frame_with_a_wider_lookback_reaches_earlier_sharp_frames(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    seed = best_seed_frame(clips["blurred_tail"], tmp_path / "seed.png", lookback=12)
    assert seed.index == 15


def test_best_seed_frame_copes_with_clips_shorter_than_the_lookback(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    info = probe(clips["short"])
    seed = best_seed_frame(clips["short"], tmp_path / "seed.png", lookback=8, info=info)
    assert seed.index == 4


def test_best_seed_frame_writes_the_seed_at_full_resolution(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    seed = best_seed_frame(clips["large"], tmp_path / "seed.png")
    with Image.open(seed.path) as image:
        assert image.size == (640, 360)


@pytest.mark.parametrize("name", ["varied_gop4", "varied", "one_sharp"])
@pytest.mark.parametrize("lookback", [3, 8, 40])
def test_best_seed_frame_decoding_only_the_tail_picks_what_a_whole_decode_picks(
    clips: dict[str, Path], tmp_path: Path, name: str, lookback: int
) -> None:
    seed = best_seed_frame(clips[name], tmp_path / "seed.png", lookback=lookback)
    assert (seed.index, seed.sharpness) == seed_by_whole_decode(clips[name], lookback)
    reference = extract_frame(clips[name], seed.index, tmp_path / "ref.png")
    with Image.open(seed.path) as got, Image.open(reference) as want:
        assert ImageChops.difference(got, want).getbbox() is None
    assert {p.name for p in tmp_path.iterdir()} == {"seed.png", "ref.png"}


def test_sharpness_rule_prefers_the_latest_frame_within_tolerance() -> None:
    assert _latest_near_best([100.0, 95.0, 50.0, 91.0]) == 3
    assert _latest_near_best([100.0, 95.0, 50.0, 89.0]) == 1
    assert _latest_near_best([0.0, 0.0, 0.0]) == 2


def test_last_frame_is_the_final_frame_of_the_clip(clips: dict[str, Path], tmp_path: Path) -> None:
    seed = last_frame(clips["grey"], tmp_path / "last.png")
    assert seed.index == 29
    assert seed.path == tmp_path / "last.png"
    assert frame_index_from_level(mean_level(seed.path)) == 29
    assert seed.sharpness >= 0.0


def test_last_frame_reports_a_sharper_score_for_a_crisp_ending(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    crisp = last_frame(clips["all_sharp"], tmp_path / "crisp.png")
    soft = last_frame(clips["blurred_tail"], tmp_path / "soft.png")
    assert crisp.sharpness > 2 * soft.sharpness


def test_video_thumbnail_is_a_jpeg_of_a_frame_about_a_third_in(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    dest = thumbnail(clips["grey"], tmp_path / "thumb.jpg", max_size=(160, 160))
    with Image.open(dest) as image:
        assert (image.format, image.size) == ("JPEG", (160, 90))
    assert abs(frame_index_from_level(mean_level(dest)) - 10) <= 2


def test_image_thumbnail_keeps_aspect_and_writes_png(tmp_path: Path) -> None:
    source = tmp_path / "square.png"
    Image.new("RGBA", (400, 400), (200, 10, 10, 255)).save(source)
    dest = thumbnail(source, tmp_path / "thumb.png")
    with Image.open(dest) as image:
        assert (image.format, image.size) == ("PNG", (180, 180))


def test_image_thumbnail_never_enlarges_and_converts_for_jpeg(tmp_path: Path) -> None:
    source = tmp_path / "small.png"
    Image.new("RGBA", (100, 50), (10, 200, 10, 128)).save(source)
    dest = thumbnail(source, tmp_path / "thumb.jpeg")
    with Image.open(dest) as image:
        assert (image.format, image.size, image.mode) == ("JPEG", (100, 50), "RGB")


def test_image_thumbnail_follows_exif_orientation(tmp_path: Path) -> None:
    source = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display": a phone held upright
    Image.new("RGB", (200, 100), (90, 90, 90)).save(source, exif=exif)
    with Image.open(thumbnail(source, tmp_path / "thumb.png")) as image:
        assert image.size == (90, 180)


def test_thumbnail_refuses_formats_other_than_jpeg_and_png(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(MediaError, match=r"\.jpg or \.png"):
        thumbnail(clips["grey"], tmp_path / "thumb.gif")
    assert list(tmp_path.iterdir()) == []


def test_piped_frames_all_reach_an_ffmpeg_that_reads_slowly() -> None:
    # The realtime filter holds ffmpeg to the clip's own pace (0.5 s here), so
    # most of the 4 MB of frames is still waiting in the pipe long after the
    # first poll: every byte must still arrive, or ffmpeg waits for ever.
    frames = b"".join(pattern_frame(i).tobytes() for i in range(24))
    args = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "320x180", "-r", "48"]
    args += ["-i", "pipe:0", "-vf", "realtime", "-f", "null", "-"]
    result = run_ffmpeg(args, input_bytes=frames, timeout=30)
    assert re.findall(rb"frame=\s*(\d+)", result.stderr)[-1] == b"24"


def test_best_seed_frame_of_a_clip_that_is_not_mp4_reads_its_packets_through_ffmpeg(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    mkv = tmp_path / "varied.mkv"
    run_ffmpeg(["-i", str(clips["varied_gop4"]), "-c", "copy", str(mkv)])
    seed = best_seed_frame(mkv, tmp_path / "seed.png", lookback=8)
    assert (seed.index, seed.sharpness) == seed_by_whole_decode(clips["varied_gop4"], 8)
