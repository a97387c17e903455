from __future__ import annotations

import itertools
import json
import math
import os
import random
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw, ImageStat

from scenemaker_desktop.engine import media
from scenemaker_desktop.engine.backends.base import ClipJob, ClipProgress, ClipResult
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

pytestmark = pytest.mark.slow

TINY = {"resolution": "360p", "duration": 2, "fps": 12}
SIZE = (640, 360)
FRAMES = 24


def _detailed_image(path: Path, size: tuple[int, int] = (800, 450)) -> Path:
    """Gradients and outlined shapes: enough structure to see where the camera looks."""
    rnd = random.Random(5)
    w, h = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    image = Image.merge("RGB", (red, green, Image.new("L", size, 90)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y, s = rnd.randrange(w), rnd.randrange(h), rnd.randrange(10, w // 6)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        draw.rectangle((x, y, x + s, y + s), fill=colour, outline=(0, 0, 0), width=3)
    image.save(path)
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return _detailed_image(tmp_path / "source.png")


def _job(
    source: Path,
    output: Path,
    params: Mapping[str, Any],
    *,
    prompt: str = "she walks toward the camera",
    seed: Path | None = None,
    continuation: Mapping[str, Any] | None = None,
    action: str = "",
    chain: tuple[int, int] | None = None,
) -> ClipJob:
    """``chain`` is (index, number of chains); by default a lone chain or its follower."""
    index, count = chain or ((0, 1) if continuation is None else (1, 2))
    return ClipJob(
        chain_index=index,
        prompt=prompt,
        seed_image=seed or source,
        source_image=source,
        params=params,
        output=output,
        continuation=continuation,
        action=action,
        num_chains=count,
    )


def _render(job: ClipJob, progress: list[ClipProgress] | None = None) -> ClipResult:
    generator = LocalPreviewGenerator()
    request_id = generator.submit(job)
    sink = progress if progress is not None else []
    return generator.wait(request_id, job, sink.append, CancelToken())


def _frames(video: Path, size: tuple[int, int] = SIZE) -> list[Image.Image]:
    raw = run_ffmpeg(["-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]).stdout
    step = size[0] * size[1] * 3
    return [Image.frombytes("RGB", size, raw[i : i + step]) for i in range(0, len(raw), step)]


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def test_submit_returns_a_local_request_id_and_renders_nothing(
    source: Path, tmp_path: Path
) -> None:
    job = _job(source, tmp_path / "clip.mp4", TINY)
    request_id = LocalPreviewGenerator().submit(job)
    assert request_id.startswith("local-") and len(request_id) == len("local-") + 32
    assert not job.output.exists()


def test_clip_is_h264_yuv420p_with_the_requested_size_rate_and_length(
    source: Path, tmp_path: Path
) -> None:
    result = _render(_job(source, tmp_path / "clip.mp4", TINY))
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
    _render(_job(source, tmp_path / "clip.mp4", {**TINY, "fps": 30, "duration": 3}), progress)
    fractions = [p.fraction for p in progress]
    assert 2 <= len(progress) <= 21
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].message == "Rendering frame 90/90"


def test_state_is_json_and_gives_back_the_pose_of_any_frame(source: Path, tmp_path: Path) -> None:
    result = _render(_job(source, tmp_path / "clip.mp4", TINY))
    state = json.loads(json.dumps(result.state))
    assert state["move"] == "push_in"
    assert (state["frame_count"], state["fps"]) == (FRAMES, 12)
    assert pose_at_frame(state, 0) == CameraPose.from_dict(state["start_pose"])
    assert pose_at_frame(state, FRAMES - 1) == CameraPose.from_dict(state["end_pose"])
    zooms = [pose_at_frame(state, i).zoom for i in range(FRAMES)]
    assert zooms == sorted(zooms) and zooms[-1] > zooms[0]


def test_push_in_ends_on_a_magnified_centre_of_its_first_frame(
    source: Path, tmp_path: Path
) -> None:
    params = {**TINY, "camera_move": "push_in", "motion_strength": 1.0}
    result = _render(_job(source, tmp_path / "clip.mp4", params))
    frames = _frames(result.video)
    first, last = frames[0], frames[-1]
    zoom = result.state["end_pose"]["zoom"]
    assert zoom > 1.15
    box = CameraPose(zoom).crop_box(*SIZE)
    magnified = first.resize(SIZE, Image.Resampling.BICUBIC, box=box)
    assert _mean_diff(magnified, last) < 4.0
    assert _mean_diff(first, last) > 3 * _mean_diff(magnified, last)


def test_every_frame_moves_without_stalls_or_jumps(source: Path, tmp_path: Path) -> None:
    # So slow that the view moves well under a pixel a frame: whole-pixel
    # cropping would repeat frames and then jump, sub-pixel crops glide.
    params = {**TINY, "camera_move": "pan_right", "motion_strength": 0.1}
    frames = _frames(_render(_job(source, tmp_path / "clip.mp4", params)).video)
    steps = [_mean_diff(a, b) for a, b in itertools.pairwise(frames)]
    middle = steps[len(steps) // 3 : 2 * len(steps) // 3]  # where the eased speed is near its top
    assert min(middle) > 0.5 * max(middle)


def test_camera_move_parameter_overrides_the_action_text(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "tilt_up"}
    result = _render(_job(source, tmp_path / "clip.mp4", params, prompt="walks toward us"))
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
    portrait = _detailed_image(tmp_path / "portrait.png", (300, 410))
    assert nearest_aspect(300, 410) == "3:4"
    result = _render(_job(portrait, tmp_path / "clip.mp4", {**TINY, "aspect_ratio": "auto"}))
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
    result = _render(_job(photo, tmp_path / "clip.mp4", {**TINY, "aspect_ratio": "auto"}))
    info = probe(result.video)
    assert (info.width, info.height) == (360, 480)
    first = _frames(result.video, (360, 480))[0]
    top = ImageStat.Stat(first.crop((0, 0, 360, 200))).mean
    bottom = ImageStat.Stat(first.crop((0, 280, 360, 480))).mean
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def _continue(
    source: Path,
    previous: ClipResult,
    output: Path,
    seed_index: int,
    params: Mapping[str, Any],
    seed: Path | None = None,
) -> ClipResult:
    continuation = {"previous_state": previous.state, "seed_frame_index": seed_index}
    return _render(_job(source, output, params, seed=seed, continuation=continuation))


def test_next_chain_starts_where_the_seed_frame_was(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "push_in", "motion_strength": 1.0}
    first = _render(_job(source, tmp_path / "chain0.mp4", params))
    second = _continue(source, first, tmp_path / "chain1.mp4", 20, params)
    seed_frame = _frames(first.video)[20]
    second_frames = _frames(second.video)
    assert _mean_diff(second_frames[0], seed_frame) < 2.0
    assert _mean_diff(_frames(first.video)[0], seed_frame) > 5.0
    assert second.state["rendered_from"] == "source"
    assert second.state["start_pose"]["zoom"] == pytest.approx(pose_at_frame(first.state, 20).zoom)
    assert second.state["end_pose"]["zoom"] > second.state["start_pose"]["zoom"]


def test_without_quality_preservation_the_next_chain_grows_from_the_seed_frame(
    source: Path, tmp_path: Path
) -> None:
    params = {**TINY, "camera_move": "push_in", "quality_preservation": False}
    first = _render(_job(source, tmp_path / "chain0.mp4", params))
    seed = tmp_path / "seed.png"
    _frames(first.video)[20].save(seed)
    second = _continue(source, first, tmp_path / "chain1.mp4", 20, params, seed=seed)
    assert second.state["rendered_from"] == "seed"
    assert second.state["start_pose"]["zoom"] == 1.0
    # One more H.264 generation than the seed itself, so looser than with preservation.
    start = _frames(second.video)[0]
    assert _mean_diff(start, Image.open(seed).convert("RGB")) < 4.0
    assert _mean_diff(start, _frames(first.video)[0]) > 5.0


def test_a_foreign_previous_state_restarts_from_the_seed_frame(
    source: Path, tmp_path: Path
) -> None:
    continuation = {"previous_state": {"video": "elsewhere"}, "seed_frame_index": 3}
    result = _render(_job(source, tmp_path / "clip.mp4", TINY, continuation=continuation))
    assert result.state["rendered_from"] == "seed"
    assert probe(result.video).frame_count == FRAMES


def test_cancel_mid_render_raises_and_leaves_no_file(source: Path, tmp_path: Path) -> None:
    job = _job(source, tmp_path / "clip.mp4", TINY)
    token = CancelToken()
    reports: list[ClipProgress] = []

    def on_progress(progress: ClipProgress) -> None:
        reports.append(progress)
        token.cancel()

    generator = LocalPreviewGenerator()
    with pytest.raises(Cancelled):
        generator.wait(generator.submit(job), job, on_progress, token)
    assert len(reports) == 1 and reports[0].fraction is not None and reports[0].fraction < 1
    assert list(tmp_path.iterdir()) == [source]


def test_unreadable_source_is_a_generation_error(tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_text("this is not an image")
    with pytest.raises(GenerationError, match=r"^local: cannot read the image photo\.png"):
        _render(_job(fake, tmp_path / "clip.mp4", TINY))
    assert not (tmp_path / "clip.mp4").exists()


def test_source_damaged_past_its_header_is_a_generation_error(source: Path, tmp_path: Path) -> None:
    # The header reads fine (so ffmpeg is already running when decoding fails).
    damaged = tmp_path / "damaged.png"
    damaged.write_bytes(source.read_bytes()[:2000])
    with pytest.raises(GenerationError, match=r"^local: cannot read the image damaged\.png"):
        _render(_job(damaged, tmp_path / "clip.mp4", TINY))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.png", "source.png"]


def test_missing_source_is_a_generation_error(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match=r"cannot read the image gone\.png"):
        _render(_job(tmp_path / "gone.png", tmp_path / "clip.mp4", TINY))


def test_unsupported_parameter_value_is_a_generation_error(source: Path, tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="unsupported parameter value"):
        _render(_job(source, tmp_path / "clip.mp4", {**TINY, "resolution": "4k"}))


def test_transparent_source_is_flattened_like_image_intake(tmp_path: Path) -> None:
    clear = tmp_path / "clear.png"
    Image.new("RGBA", (320, 180), (0, 0, 0, 0)).save(clear)
    frames = _frames(_render(_job(clear, tmp_path / "clip.mp4", TINY)).video)
    assert min(ImageStat.Stat(frames[0]).mean) > 250


def test_ffmpeg_failure_is_a_generation_error_with_its_last_line(
    source: Path, tmp_path: Path
) -> None:
    # The clip name fits the file system but the temp name beside it does not,
    # so ffmpeg itself fails to open its output.
    output = tmp_path / ("c" * 246 + ".mp4")
    with pytest.raises(GenerationError, match=r"^local: ffmpeg failed: \S"):
        _render(_job(source, output, TINY))
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
    result = _render(_job(source, tmp_path / "clip.mp4", TINY, prompt=prompt, action=action))
    assert result.state["move"] == CameraMove.PAN_LEFT.value
    assert result.state["end_pose"]["cx"] < result.state["start_pose"]["cx"]


def test_auto_camera_move_falls_back_to_the_prompt_without_an_action(
    source: Path, tmp_path: Path
) -> None:
    prompt = "the camera pulls back from the table"
    result = _render(_job(source, tmp_path / "clip.mp4", TINY, prompt=prompt, action="  "))
    assert result.state["move"] == CameraMove.PULL_OUT.value


def _speeds(poses: list[CameraPose]) -> list[float]:
    """How fast the picture moves, in view widths per frame at the edge of the frame."""
    return [
        math.hypot(0.5 * math.log(b.zoom / a.zoom), (b.cx - a.cx) * b.zoom, (b.cy - a.cy) * b.zoom)
        for a, b in itertools.pairwise(poses)
    ]


def test_three_chained_clips_move_as_one_shot_in_the_final_video(
    source: Path, tmp_path: Path
) -> None:
    params = {**TINY, "camera_move": "push_in", "motion_strength": 1.0}
    results: list[ClipResult] = []
    seeds: list[media.SeedFrame] = []
    for index in range(3):  # what the runner does, chain by chain
        continuation = None
        if results:
            continuation = {
                "previous_state": results[-1].state,
                "seed_frame_index": seeds[-1].index,
            }
        job = _job(
            source,
            tmp_path / f"chain_{index + 1:02d}.mp4",
            params,
            seed=seeds[-1].path if seeds else None,
            continuation=continuation,
            chain=(index, 3),
        )
        results.append(_render(job))
        if index < 2:
            seeds.append(media.best_seed_frame(job.output, tmp_path / f"seed_{index + 1}.png"))
    # The poses final.mp4 shows: each clip up to (not including) its seed frame.
    cuts = [seed.index for seed in seeds] + [FRAMES]
    shown = [
        pose_at_frame(result.state, i)
        for result, cut in zip(results, cuts, strict=True)
        for i in range(cut)
    ]
    seams = list(itertools.accumulate(cuts[:2]))
    speeds = _speeds(shown)
    cruise = max(speeds)
    assert speeds[0] < 0.05 * cruise and speeds[-1] < 0.05 * cruise  # eased in and out once
    for seam in seams:
        before, across, after = speeds[seam - 2 : seam + 1]
        assert across == pytest.approx((before + after) / 2, abs=0.02 * cruise), seam
        assert across > 0.5 * cruise, seam
    # And in pixels: consecutive frames of the assembled video differ about as
    # much across a seam as beside it (a stop would show as near-identical frames).
    ends = [*(seed.index for seed in seeds), None]  # as the runner cuts them
    final = media.assemble(
        [media.ClipCut(result.video, end) for result, end in zip(results, ends, strict=True)],
        tmp_path / "final.mp4",
    )
    frames = _frames(final.path)
    assert len(frames) == len(shown)
    changes = [_mean_diff(a, b) for a, b in itertools.pairwise(frames)]
    for seam in seams:
        beside = (changes[seam - 2] + changes[seam]) / 2
        assert 0.7 * beside < changes[seam - 1] < 1.3 * beside, (seam, changes[seam - 3 : seam + 2])


def test_a_continuation_of_a_one_chain_session_eases_in_again(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "pan_right"}
    first = _render(_job(source, tmp_path / "chain0.mp4", params))
    second = _continue(source, first, tmp_path / "chain1.mp4", FRAMES - 1, params)
    speeds = _speeds([pose_at_frame(second.state, i) for i in range(FRAMES)])
    assert speeds[0] < 0.05 * max(speeds)
    assert second.state["start_pose"] == pytest.approx(first.state["end_pose"])


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
    job = _job(source, tmp_path / "clip.mp4", {**TINY, "duration": 10})
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
        generator.wait(generator.submit(job), job, on_progress, token)
    assert frozen
    assert list(tmp_path.iterdir()) == [source]
