"""Local Preview chains: each continues its predecessor's camera; together, one shot."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from PIL import Image

from scenemaker_desktop.engine import media
from scenemaker_desktop.engine.backends.base import ClipResult
from scenemaker_desktop.engine.backends.camera import CameraPose
from scenemaker_desktop.engine.backends.local import (
    pose_at_frame,
)
from scenemaker_desktop.engine.media.probe import probe
from tests.engine.local_support import (
    FRAMES,
    TINY,
    clip_job,
    continue_clip,
    decoded_frames,
    grown_from_seed,
    mean_diff,
    render,
)

pytestmark = pytest.mark.slow


def test_next_chain_starts_where_the_seed_frame_was(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "push_in", "motion_strength": 1.0}
    first = render(clip_job(source, tmp_path / "chain0.mp4", params))
    second = continue_clip(source, first, tmp_path / "chain1.mp4", 20, params)
    seed_frame = decoded_frames(first.video)[20]
    second_frames = decoded_frames(second.video)
    assert mean_diff(second_frames[0], seed_frame) < 2.0
    assert mean_diff(decoded_frames(first.video)[0], seed_frame) > 5.0
    assert second.state["rendered_from"] == "source"
    assert second.state["start_pose"]["zoom"] == pytest.approx(pose_at_frame(first.state, 20).zoom)
    assert second.state["end_pose"]["zoom"] > second.state["start_pose"]["zoom"]


def test_without_quality_preservation_the_next_chain_grows_from_the_seed_frame(
    source: Path, tmp_path: Path
) -> None:
    first, second, seed = grown_from_seed(source, tmp_path, {**TINY, "camera_move": "push_in"})
    assert second.state["rendered_from"] == "seed"
    assert second.state["start_pose"]["zoom"] == 1.0
    # One more H.264 generation than the seed itself, so looser than with preservation.
    start = decoded_frames(second.video)[0]
    assert mean_diff(start, Image.open(seed).convert("RGB")) < 4.0
    assert mean_diff(start, decoded_frames(first.video)[0]) > 5.0


def test_a_foreign_previous_state_restarts_from_the_seed_frame(
    source: Path, tmp_path: Path
) -> None:
    continuation = {"previous_state": {"video": "elsewhere"}, "seed_frame_index": 3}
    result = render(clip_job(source, tmp_path / "clip.mp4", TINY, continuation=continuation))
    assert result.state["rendered_from"] == "seed"
    assert probe(result.video).frame_count == FRAMES


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
        job = clip_job(
            source,
            tmp_path / f"chain_{index + 1:02d}.mp4",
            params,
            seed=seeds[-1].path if seeds else None,
            continuation=continuation,
            chain=(index, 3),
        )
        results.append(render(job))
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
    frames = decoded_frames(final.path)
    assert len(frames) == len(shown)
    changes = [mean_diff(a, b) for a, b in itertools.pairwise(frames)]
    for seam in seams:
        beside = (changes[seam - 2] + changes[seam]) / 2
        assert 0.7 * beside < changes[seam - 1] < 1.3 * beside, (seam, changes[seam - 3 : seam + 2])


def test_a_continuation_of_a_one_chain_session_eases_in_again(source: Path, tmp_path: Path) -> None:
    params = {**TINY, "camera_move": "pan_right"}
    first = render(clip_job(source, tmp_path / "chain0.mp4", params))
    second = continue_clip(source, first, tmp_path / "chain1.mp4", FRAMES - 1, params)
    speeds = _speeds([pose_at_frame(second.state, i) for i in range(FRAMES)])
    assert speeds[0] < 0.05 * max(speeds)
    assert second.state["start_pose"] == pytest.approx(first.state["end_pose"])
