"""Assembling real clips with the bundled ffmpeg: exact cuts, fast copies, crossfades."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, MediaError, ValidationError
from scenemaker_desktop.engine.media import (
    AssemblyResult,
    ClipCut,
    SeamMode,
    assemble,
    extract_frame,
    probe,
)
from tests.engine.media_fixtures import (
    SIZE,
    frame_index_from_level,
    grey_clip,
    grey_frames,
    grey_level,
    mean_level,
    render_clip,
)

FRAME = 1 / 24


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Grey clips whose frames tell where they came from (level = frame index)."""
    folder = tmp_path_factory.mktemp("assemble-clips")
    text = folder / "notes.mp4"
    text.write_text("this is not a video\n")
    empty = folder / "empty.mp4"
    empty.touch()
    return {
        "up": grey_clip(folder / "up.mp4", 30),
        # same frames backwards, so a seam between "up" and "down" is easy to see
        "down": render_clip(folder / "down.mp4", grey_frames(30)[::-1]),
        "quoted": grey_clip(folder / "it's a clip.mp4", 12),
        "square_12fps": render_clip(
            folder / "square.mp4", [Image.new("RGB", (240, 240), (200, 200, 200))] * 12, fps=12
        ),
        "timescale_90k": grey_clip(
            folder / "tb90k.mp4", 24, extra=["-video_track_timescale", "90000"]
        ),
        "bt709": grey_clip(
            folder / "bt709.mp4", 6, extra=["-colorspace", "bt709", "-color_range", "pc"]
        ),
        "text": text,
        "empty": empty,
        "missing": folder / "missing.mp4",
    }


def level_at(video: Path, index: int, folder: Path) -> int:
    """Which grey frame (by level) sits at ``index`` of ``video``."""
    return frame_index_from_level(mean_level(extract_frame(video, index, folder / "probe.png")))


def test_exact_assembly_keeps_exactly_the_frames_before_each_cut(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 20), ClipCut(clips["down"], 15), ClipCut(clips["up"])]
    result = assemble(cuts, tmp_path / "final.mp4")
    assert (result.path, result.frame_count, result.duration) == (
        tmp_path / "final.mp4",
        65,
        65 / 24,
    )
    info = probe(result.path)
    assert (info.frame_count, info.width, info.height, info.codec) == (65, *SIZE, "h264")
    # last kept frame of clip 1, first and last kept frames of clip 2, start of clip 3
    assert level_at(result.path, 19, tmp_path) == 19
    assert level_at(result.path, 20, tmp_path) == 29
    assert level_at(result.path, 34, tmp_path) == 15
    assert level_at(result.path, 35, tmp_path) == 0


def test_exact_assembly_can_use_the_same_clip_twice(clips: dict[str, Path], tmp_path: Path) -> None:
    result = assemble([ClipCut(clips["up"], 10), ClipCut(clips["up"], 10)], tmp_path / "f.mp4")
    assert probe(result.path).frame_count == 20
    assert level_at(result.path, 10, tmp_path) == 0


def test_exact_assembly_counts_every_frame_across_different_time_bases(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 12), ClipCut(clips["timescale_90k"], 20)]
    result = assemble(cuts, tmp_path / "final.mp4")
    assert probe(result.path).frame_count == result.frame_count == 32
    assert (result.encodes, result.encoded_frames) == (1, 32)  # one whole encode


def test_exact_assembly_fits_other_sizes_and_rates_to_the_first_clip(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 12), ClipCut(clips["square_12fps"])]
    result = assemble(cuts, tmp_path / "final.mp4")
    info = probe(result.path)
    assert result.encodes == 1
    assert (info.width, info.height, info.fps) == (*SIZE, 24.0)
    assert abs(info.frame_count - (12 + 24)) <= 1  # one second of 12 fps becomes 24 frames
    with Image.open(extract_frame(result.path, 20, tmp_path / "square.png")) as frame:
        grey = frame.convert("L")
        assert grey.getpixel((10, 90)) < 30  # pillarbox, not stretched
        assert abs(grey.getpixel((160, 90)) - 200) < 8


def test_single_clip_still_makes_a_valid_video(clips: dict[str, Path], tmp_path: Path) -> None:
    exact = assemble([ClipCut(clips["up"], 7)], tmp_path / "exact.mp4")
    fast = assemble([ClipCut(clips["up"])], tmp_path / "fast.mp4", SeamMode.FAST)
    assert (probe(exact.path).frame_count, exact.frame_count) == (7, 7)
    assert (probe(fast.path).frame_count, fast.encodes) == (30, 0)


def test_crossfade_shortens_the_video_by_one_fade_per_seam(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 20), ClipCut(clips["down"], 18), ClipCut(clips["up"])]
    result = assemble(cuts, tmp_path / "final.mp4", crossfade=0.25)
    expected = (20 + 18 + 30) / 24 - 2 * 0.25
    assert result.encodes == 1
    assert abs(result.duration - expected) <= FRAME
    assert abs(probe(result.path).duration - expected) <= FRAME
    # halfway through the first fade both clips show: a level neither has there
    middle = round((20 / 24 - 0.25 + 0.125) * 24)
    level = mean_level(extract_frame(result.path, middle, tmp_path / "mid.png"))
    outgoing, incoming = grey_level(middle), grey_level(29 - (middle - 14))
    assert min(outgoing, incoming) + 10 < level < max(outgoing, incoming) - 10


def test_crossfade_fits_other_rates_with_correct_offsets(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 24), ClipCut(clips["square_12fps"])]
    result = assemble(cuts, tmp_path / "final.mp4", crossfade=0.5)
    assert abs(result.duration - (1.0 + 1.0 - 0.5)) <= FRAME


def test_crossfade_as_long_as_the_shortest_clip_is_refused(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"]), ClipCut(clips["down"], 6)]
    with pytest.raises(ValidationError, match=r"crossfade of 0\.25 s is too long.*0\.25 s"):
        assemble(cuts, tmp_path / "final.mp4", crossfade=0.25)
    assert list(tmp_path.iterdir()) == []


def test_negative_crossfade_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="0 or more seconds"):
        assemble([ClipCut(clips["up"])], tmp_path / "final.mp4", crossfade=-1)


def test_crossfade_with_fast_seams_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="crossfade needs exact seams"):
        assemble(
            [ClipCut(clips["up"]), ClipCut(clips["down"])],
            tmp_path / "final.mp4",
            SeamMode.FAST,
            crossfade=0.5,
        )
    assert list(tmp_path.iterdir()) == []


def test_fast_assembly_copies_whole_clips_without_encoding(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 5), ClipCut(clips["down"], 5), ClipCut(clips["quoted"])]
    progress: list[float] = []
    result = assemble(cuts, tmp_path / "final.mp4", SeamMode.FAST, on_progress=progress.append)
    assert result == AssemblyResult(tmp_path / "final.mp4", 72, 3.0, encodes=0, encoded_frames=0)
    assert probe(result.path).frame_count == 72
    assert progress == [1.0]
    assert level_at(result.path, 29, tmp_path) == 29
    assert level_at(result.path, 30, tmp_path) == 29
    assert level_at(result.path, 60, tmp_path) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"final.mp4", "probe.png"}


def test_fast_assembly_falls_back_to_one_encode_when_sizes_differ(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    cuts = [ClipCut(clips["up"], 5), ClipCut(clips["square_12fps"], 3)]
    result = assemble(cuts, tmp_path / "final.mp4", SeamMode.FAST)
    info = probe(result.path)
    assert result.encodes == 1
    assert (info.width, info.height) == SIZE
    assert abs(info.frame_count - (30 + 24)) <= 1  # whole clips, as fast seams promise


def test_fast_assembly_falls_back_when_time_bases_differ(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    # a plain stream copy would stretch these timestamps into a 5 fps, 12 s video
    cuts = [ClipCut(clips["up"]), ClipCut(clips["timescale_90k"])]
    result = assemble(cuts, tmp_path / "final.mp4", SeamMode.FAST)
    info = probe(result.path)
    assert result.encodes == 1
    assert (info.frame_count, info.fps) == (54, 24.0)
    assert abs(info.duration - 54 / 24) <= FRAME


def test_fast_assembly_falls_back_when_colour_tags_differ(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    # copied as-is, the second clip would be shown with the first clip's colour range
    result = assemble(
        [ClipCut(clips["up"]), ClipCut(clips["bt709"])], tmp_path / "f.mp4", SeamMode.FAST
    )
    assert (result.encodes, probe(result.path).frame_count) == (1, 36)


@pytest.mark.parametrize("mode", list(SeamMode))
def test_no_clips_is_a_media_error(tmp_path: Path, mode: SeamMode) -> None:
    with pytest.raises(MediaError, match="no clips"):
        assemble([], tmp_path / "final.mp4", mode)


@pytest.mark.parametrize("mode", list(SeamMode))
@pytest.mark.parametrize(
    ("bad", "message"),
    [("missing", "not found"), ("empty", "empty"), ("text", "ffmpeg failed|cannot open")],
)
def test_unusable_clip_is_a_media_error_and_writes_nothing(
    clips: dict[str, Path], tmp_path: Path, mode: SeamMode, bad: str, message: str
) -> None:
    with pytest.raises(MediaError, match=message):
        assemble([ClipCut(clips["up"]), ClipCut(clips[bad])], tmp_path / "final.mp4", mode)
    assert list(tmp_path.iterdir()) == []


def test_cut_past_the_end_of_a_clip_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match=r"clip 2 \(down\.mp4\) has 30 frames; cannot keep 31"
    ):
        assemble([ClipCut(clips["up"]), ClipCut(clips["down"], 31)], tmp_path / "final.mp4")


def test_cancel_before_start_writes_nothing(clips: dict[str, Path], tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    for mode in SeamMode:
        with pytest.raises(Cancelled):
            assemble([ClipCut(clips["up"])], tmp_path / "final.mp4", mode, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_cancel_during_the_encode_keeps_the_previous_video_and_no_partial_file(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    dest = tmp_path / "final.mp4"
    dest.write_bytes(b"previous final")
    token = CancelToken()
    cuts = [ClipCut(clips["up"]), ClipCut(clips["down"])]
    with pytest.raises(Cancelled):
        assemble(cuts, dest, cancel=token, on_progress=lambda _fraction: token.cancel())
    assert dest.read_bytes() == b"previous final"
    assert [p.name for p in tmp_path.iterdir()] == ["final.mp4"]


def test_progress_rises_to_one(clips: dict[str, Path], tmp_path: Path) -> None:
    progress: list[float] = []
    cuts = [ClipCut(clips["up"]), ClipCut(clips["down"])]
    assemble(cuts, tmp_path / "final.mp4", on_progress=progress.append)
    assert progress[-1] == 1.0
    assert progress == sorted(progress)
    assert all(0.0 <= value <= 1.0 for value in progress)
