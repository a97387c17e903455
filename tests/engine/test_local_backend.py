"""Local Preview clips: format, motion, sizes, bad sources, errors and cancel."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageDraw, ImageStat

from scenemaker_desktop.engine.backends.base import ClipProgress
from scenemaker_desktop.engine.backends.camera import CameraMove, CameraPose
from scenemaker_desktop.engine.backends.local import (
    LocalPreviewGenerator,
    nearest_aspect,
    output_size,
    pose_at_frame,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.media.probe import probe
from tests.engine.local_support import (
    FRAMES,
    SIZE,
    TINY,
    clip_job,
    decoded_frames,
    detailed_image,
    mean_diff,
    render,
)

pytestmark = pytest.mark.slow


def test_submit_returns_a_local_request_id_and_renders_nothing(
    source: Path, tmp_path: Path
) -> None:
    job = clip_job(source, tmp_path / "clip.mp4", TINY)
    request_id = LocalPreviewGenerator().submit(job, CancelToken())
    assert request_id.startswith("local-") and len(request_id) == len("local-") + 32
    assert not job.output.exists()


def test_clip_is_h264_yuv420p_with_the_requested_size_rate_and_length(
    source: Path, tmp_path: Path
) -> None:
    result = render(clip_job(source, tmp_path / "clip.mp4", TINY))
    info = probe(result.video)
    assert (info.width, info.height) == SIZE
    assert info.fps == pytest.approx(12)
    assert info.frame_count == FRAMES
    assert info.codec == "h264"
    header = run_ffmpeg(["-i", str(result.video), "-f", "null", "-"]).stderr.decode()
    assert "yuv420p" in header
    assert result.cost_usd == 0.0
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".part"] == []


def test_progress_is_reported_in_order_and_not_too_often(source: Path, tmp_path: Path) -> None:
    progress: list[ClipProgress] = []
    render(clip_job(source, tmp_path / "clip.mp4", {**TINY, "fps": 30, "duration": 3}), progress)
    fractions = [p.fraction for p in progress]
    assert 2 <= len(progress) <= 21
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].message == "Rendering frame 90/90"


def test_state_is_json_and_gives_back_the_pose_of_any_frame(source: Path, tmp_path: Path) -> None:
    result = render(clip_job(source, tmp_path / "clip.mp4", TINY))
    state = json.loads(json.dumps(result.state))
    assert state["move"] == "push_in"
    assert (state["frame_count"], state["fps"]) == (FRAMES, 12)
    assert pose_at_frame(state, 0) == CameraPose.from_dict(state["start_pose"])
    assert pose_at_frame(state, FRAMES - 1) == CameraPose.from_dict(state["end_pose"])
    zooms = [pose_at_frame(state, i).zoom for i in range(FRAMES)]
    assert zooms == sorted(zooms) and zooms[-1] > zooms[0]


def test_push_in_ends_on_a_magnified_view_of_its_first_frame(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "push_in", "motion_strength": 1.0}
    result = render(clip_job(source, tmp_path / "clip.mp4", params))
    frames = decoded_frames(result.video)
    first, last = frames[0], frames[-1]
    end = CameraPose.from_dict(result.state["end_pose"])
    assert end.zoom > 1.15
    box = end.crop_box(*SIZE)
    magnified = first.resize(SIZE, Image.Resampling.BICUBIC, box=box)
    assert mean_diff(magnified, last) < 4.0
    assert mean_diff(first, last) > 3 * mean_diff(magnified, last)


def test_every_frame_moves_without_stalls_or_jumps(source: Path, tmp_path: Path) -> None:
    # So slow that the view moves well under a pixel a frame: whole-pixel
    # cropping would repeat frames and then jump, sub-pixel crops glide.
    params = {**TINY, "camera_move": "pan_right", "motion_strength": 0.1}
    frames = decoded_frames(render(clip_job(source, tmp_path / "clip.mp4", params)).video)
    steps = [mean_diff(a, b) for a, b in itertools.pairwise(frames)]
    middle = steps[len(steps) // 3 : 2 * len(steps) // 3]  # where the eased speed is near its top
    assert min(middle) > 0.5 * max(middle)


def test_camera_move_parameter_overrides_the_action_text(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "tilt_up"}
    result = render(clip_job(source, tmp_path / "clip.mp4", params, prompt="walks toward us"))
    assert result.state["move"] == CameraMove.TILT_UP.value
    assert result.state["end_pose"]["cy"] < result.state["start_pose"]["cy"]


@pytest.mark.parametrize(
    ("resolution", "aspect", "size"),
    [
        ("720p", "16:9", (1280, 720)),
        ("480p", "16:9", (854, 480)),
        ("1080p", "9:16", (1080, 1920)),
        ("360p", "4:3", (480, 360)),
        ("720p", "1:1", (720, 720)),
        ("480p", "3:4", (480, 640)),
    ],
)
def test_output_size_uses_the_short_side_and_stays_even(
    resolution: str, aspect: str, size: tuple[int, int]
) -> None:
    assert output_size(resolution, aspect) == size


def test_auto_aspect_follows_the_source_image(tmp_path: Path) -> None:
    portrait = detailed_image(tmp_path / "portrait.png", (300, 410))
    assert nearest_aspect(300, 410) == "3:4"
    result = render(clip_job(portrait, tmp_path / "clip.mp4", {**TINY, "aspect_ratio": "auto"}))
    info = probe(result.video)
    assert (info.width, info.height) == (360, 480)


def test_large_rotated_jpeg_is_rendered_upright_in_its_own_aspect(tmp_path: Path) -> None:
    # Stored sideways with EXIF orientation 6 and big enough to be decoded at a
    # reduced JPEG scale: upright it is portrait, red above and blue below.
    upright = Image.new("RGB", (1200, 1600), (200, 30, 30))
    ImageDraw.Draw(upright).rectangle((0, 800, 1200, 1600), fill=(30, 30, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    photo = tmp_path / "photo.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).save(photo, exif=exif, quality=95)
    result = render(clip_job(photo, tmp_path / "clip.mp4", {**TINY, "aspect_ratio": "auto"}))
    info = probe(result.video)
    assert (info.width, info.height) == (360, 480)
    first = decoded_frames(result.video, (360, 480))[0]
    top = ImageStat.Stat(first.crop((0, 0, 360, 200))).mean
    bottom = ImageStat.Stat(first.crop((0, 280, 360, 480))).mean
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_cancel_mid_render_raises_and_leaves_no_file(source: Path, tmp_path: Path) -> None:
    job = clip_job(source, tmp_path / "clip.mp4", TINY)
    token = CancelToken()
    reports: list[ClipProgress] = []

    def on_progress(progress: ClipProgress) -> None:
        reports.append(progress)
        token.cancel()

    generator = LocalPreviewGenerator()
    with pytest.raises(Cancelled):
        generator.wait(generator.submit(job, CancelToken()), job, on_progress, token)
    assert len(reports) == 1 and reports[0].fraction is not None and reports[0].fraction < 1
    assert list(tmp_path.iterdir()) == [source]


def test_unreadable_source_is_a_generation_error(tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("this is not an image")
    with pytest.raises(GenerationError, match=r"^local: cannot read the image photo\.png"):
        render(clip_job(fake, tmp_path / "clip.mp4", TINY))
    assert not (tmp_path / "clip.mp4").exists()


def test_source_damaged_past_its_header_is_a_generation_error(source: Path, tmp_path: Path) -> None:
    # The header reads fine (so ffmpeg is already running when decoding fails).
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(GenerationError, match=r"^local: cannot read the image damaged\.png"):
        render(clip_job(damaged, tmp_path / "clip.mp4", TINY))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.png", "source.png"]


def test_missing_source_is_a_generation_error(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match=r"cannot read the image gone\.png"):
        render(clip_job(tmp_path / "gone.png", tmp_path / "clip.mp4", TINY))


def test_unsupported_parameter_value_is_a_generation_error(source: Path, tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="unsupported parameter value"):
        render(clip_job(source, tmp_path / "clip.mp4", {**TINY, "resolution": "4k"}))


def test_transparent_source_is_flattened_like_image_intake(tmp_path: Path) -> None:
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (320, 180), (0, 0, 0, 0)).save(clear)
    frames = decoded_frames(render(clip_job(clear, tmp_path / "clip.mp4", TINY)).video)
    assert min(ImageStat.Stat(frames[0]).mean) > 250


def test_ffmpeg_failure_is_a_generation_error_with_its_last_line(
    source: Path, tmp_path: Path
) -> None:
    # The clip name fits the file system but the temp name beside it does not,
    # so ffmpeg itself fails to open its output.
    output = tmp_path / ("c" * 246 + ".mp4")
    with pytest.raises(GenerationError, match=r"^local: ffmpeg failed: \S"):
        render(clip_job(source, output, TINY))
    assert not output.exists()


def test_auto_camera_move_reads_the_artists_action_not_the_prompt(
    source: Path, tmp_path: Path
) -> None:
    # The template prompt wraps the action in camera direction for its arc phase,
    # which would turn this pan into a pull-back if the camera read the prompt.
    action = "she walks left along the pier"
    prompt = (
        f"Resolution beat, continued: the action winds down: {action}, movement slowing. "
        "Gentle pull back revealing the scene as the motion settles."
    )
    result = render(clip_job(source, tmp_path / "clip.mp4", TINY, prompt=prompt, action=action))
    assert result.state["move"] == CameraMove.PAN_LEFT.value
    assert result.state["end_pose"]["cx"] < result.state["start_pose"]["cx"]


def test_auto_camera_move_falls_back_to_the_prompt_without_an_action(
    source: Path, tmp_path: Path
) -> None:
    prompt = "the camera pulls back from the table"
    result = render(clip_job(source, tmp_path / "clip.mp4", TINY, prompt=prompt, action="  "))
    assert result.state["move"] == CameraMove.PULL_OUT.value


def _children_named(name: str) -> list[int]:
    """Process ids of this process's children whose command is ``name`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        command, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat.rsplit(")", 1)[1]
        if command.startswith(name) and int(fields.split()[1]) == os.getpid():
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, uses SIGSTOP")
@pytest.mark.timeout(120)
def test_cancel_reaches_a_render_blocked_on_an_ffmpeg_that_stopped_reading(
    source: Path, tmp_path: Path
) -> None:
    # A frozen ffmpeg neither reads nor exits, so a write to its input blocks;
    # cancel must still end the render (ffmpeg is killed, nothing is left behind).
    job = clip_job(source, tmp_path / "clip.mp4", {**TINY, "duration": 10})
    token = CancelToken()
    frozen: list[int] = []

    def on_progress(progress: ClipProgress) -> None:
        if not frozen:
            frozen.extend(_children_named("ffmpeg"))
            for pid in frozen:
                os.kill(pid, signal.SIGSTOP)
            threading.Timer(0.5, token.cancel).start()

    generator = LocalPreviewGenerator()
    with pytest.raises(Cancelled):
        generator.wait(generator.submit(job, CancelToken()), job, on_progress, token)
    assert frozen
    assert list(tmp_path.iterdir()) == [source]
