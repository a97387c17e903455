"""Whole-pixel crops that place Local Preview's views to a small fraction of a pixel."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from scenemaker_desktop.engine.backends.camera import CameraMove, CameraPose
from scenemaker_desktop.engine.backends.camera_aim import FocusPoint
from scenemaker_desktop.engine.backends.camera_path import plan_first
from scenemaker_desktop.engine.backends.plane_atlas import Atlas, ViewCrop
from scenemaker_desktop.engine.backends.view_fit import (
    EDGE,
    PLANE_SCALES,
    AxisCrop,
    fit_axis,
    scaler_step,
)


def _placed(crop: AxisCrop, pixel: float) -> float:
    """Where the scaler puts output pixel ``pixel``'s centre, in source pixels."""
    return crop.start + (crop.offset + pixel + 0.5) * scaler_step(crop.length, crop.scaled)


def test_fit_puts_every_pixel_where_the_float_box_would() -> None:
    rnd = random.Random(3)
    for _ in range(200):
        scale, left, size = rnd.uniform(0.6, 2.4), rnd.uniform(150.0, 400.0), 640
        crop = fit_axis(left, scale, size)
        for pixel in (0, size // 2, size - 1):
            wanted = left + (pixel + 0.5) * scale
            assert _placed(crop, pixel) == pytest.approx(wanted, abs=crop.error + 1e-9)
        assert crop.offset >= EDGE and crop.scaled - crop.offset - size >= EDGE


@pytest.mark.parametrize("scale", [1.0, 1.25, 1.5, 4 / 3])
def test_a_second_picture_rescues_scales_near_small_ratios(scale: float) -> None:
    # At a scale of exactly 1 (or 5/4, 3/2 …) every close ratio is that ratio,
    # whose offsets only reach a few fractions of a pixel.
    lefts = [200.0 + i / 7 for i in range(7)]
    first = max(fit_axis(left, scale, 640).error for left in lefts)
    second = max(
        fit_axis(left * PLANE_SCALES[1], scale * PLANE_SCALES[1], 640).error for left in lefts
    )
    assert first > 0.1
    assert second < 0.05


def _sample_paths() -> list[list[CameraPose]]:
    focus = FocusPoint(0.3, 0.4)
    return [
        list(plan_first(move, strength, duration_s=5, frame_count=120, focus=aim).poses)
        for move in CameraMove
        for strength in (0.1, 0.6, 1.0)
        for aim in (None, focus)
    ]


@pytest.mark.parametrize("size", [(1280, 720), (640, 360), (360, 480)])
def test_every_frame_lands_within_a_tenth_of_a_pixel_and_inside_its_picture(
    size: tuple[int, int],
) -> None:
    for poses in _sample_paths():
        atlas = Atlas.plan(size, (min(p.zoom for p in poses), max(p.zoom for p in poses)))
        for pose, crop in zip(poses, atlas.views(poses), strict=True):
            assert max(crop.x.error, crop.y.error) < 0.1, pose
            _assert_even_and_inside(atlas, crop)


def _assert_even_and_inside(atlas: Atlas, crop: ViewCrop) -> None:
    # Odd numbers would shift the half-resolution chroma by half a pixel.
    for axis in (crop.x, crop.y):
        assert axis.start % 2 == axis.length % 2 == axis.scaled % 2 == axis.offset % 2 == 0
    slot = next(s for s in atlas.slots if s.top - s.pad <= crop.y.start < s.top + s.height)
    assert crop.x.start >= 0 and crop.x.start + crop.x.length <= slot.width + 2 * slot.pad
    assert crop.y.start + crop.y.length <= slot.top + slot.height + slot.pad


def test_frames_keep_to_one_picture_except_near_small_ratios() -> None:
    poses = list(plan_first(CameraMove.PUSH_IN, 0.5, duration_s=5, frame_count=125).poses)
    atlas = Atlas.plan((1280, 720), (min(p.zoom for p in poses), max(p.zoom for p in poses)))
    second = atlas.slots[1].top - atlas.slots[1].pad
    pictures = [crop.y.start >= second for crop in atlas.views(poses)]
    switches = sum(a != b for a, b in itertools.pairwise(pictures))
    # Each switch shows fine texture resampled a little differently: keep them rare.
    assert switches <= 12


def test_scaler_step_rounds_like_ffmpeg() -> None:
    assert scaler_step(1568, 1280) == math.floor((1568 * 65536 + 640) / 1280) / 65536
