"""Colour matching and the continuity measures, on synthetic images and clips with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageEnhance, ImageOps

from scenemaker_desktop.engine.continuity.colour import (
    asks_for_lighting_change,
    lab_stats,
    match_colour,
)
from scenemaker_desktop.engine.continuity.metrics import (
    frame_steps,
    judge,
    offline_consistency,
    seam_jumps,
)
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from tests.conftest import SAMPLE_IMAGE
from tests.fakes.drifting_generator import graded


@pytest.fixture(scope="module")
def reference() -> Image.Image:
    with Image.open(SAMPLE_IMAGE) as image:
        return image.convert("RGB").resize((480, 270))


def _cast(image: Image.Image, red: int, blue: int) -> Image.Image:
    r, g, b = image.split()
    return Image.merge("RGB", (r.point(lambda v: v + red), g, b.point(lambda v: v + blue)))


def test_a_pure_colour_cast_is_removed(reference):
    stats = lab_stats(reference)
    cast = _cast(reference, 6, -5)
    assert lab_stats(cast).delta_e(stats) > 3
    match = match_colour(cast, stats)
    assert match.drift_after < 1.0
    assert match.strength == 1.0


def test_stacked_contrast_is_undone_even_when_the_light_may_change(reference):
    stats = lab_stats(reference)
    contrasty = ImageEnhance.Contrast(reference).enhance(1.2)
    match = match_colour(contrasty, stats, lighting_change=True)
    assert lab_stats(match.image).spread[0] == pytest.approx(stats.spread[0], rel=0.05)


def test_a_requested_lighting_change_survives_the_blend(reference):
    stats = lab_stats(reference)
    sunset = _cast(ImageEnhance.Brightness(reference).enhance(0.8), 12, -8)
    kept = match_colour(sunset, stats, lighting_change=True)
    removed = match_colour(sunset, stats, lighting_change=False)
    assert kept.drift_after >= 0.6 * kept.drift_before
    assert removed.drift_after < 0.3 * removed.drift_before


def test_a_different_picture_is_not_recoloured(reference):
    stats = lab_stats(reference)
    other = Image.new("RGB", reference.size, (240, 240, 250))
    match = match_colour(other, stats)
    assert match.strength == 0.0
    assert match.drift_after == pytest.approx(match.drift_before, abs=1.0)


def test_the_input_itself_comes_back_all_but_unchanged(reference):
    match = match_colour(reference, lab_stats(reference))
    assert match.drift_after < 0.5


def test_drift_compounds_without_correction_and_stays_bounded_with_it(reference):
    stats = lab_stats(reference)
    raw = corrected = reference
    for _ in range(6):
        raw = graded(raw, 1.0)
        corrected = match_colour(graded(corrected, 1.0), stats).image
    assert lab_stats(raw).delta_e(stats) > 10
    assert lab_stats(corrected).delta_e(stats) < 1.5


@pytest.mark.parametrize(
    ("action", "asks"),
    [
        ("the camera pushes in as the sun sets", True),
        ("night falls over the harbour", True),
        ("the lights flicker on one by one", True),
        ("she walks toward the sea", False),
        ("a slow pan across the lighthouse", False),
    ],
)
def test_lighting_changes_are_recognised_in_the_action(action, asks):
    assert asks_for_lighting_change(action) is asks


def _clip_with_a_jump(tmp_path: Path, jump_at: int, brightness: float) -> Path:
    out = tmp_path / "jump.mp4"
    graph = f"testsrc2=s=160x90:r=12:d=3,eq=brightness={brightness}:enable='gte(n,{jump_at})'"
    args = ["-y", "-f", "lavfi", "-i", graph, "-c:v", "libx264", "-crf", "10", "-pix_fmt"]
    run_ffmpeg([*args, "yuv420p", str(out)])
    return out


def test_a_visible_seam_jumps_and_a_clean_one_does_not(tmp_path):
    jumpy = seam_jumps(frame_steps(_clip_with_a_jump(tmp_path, 18, 0.25)), [18, 18])
    assert len(jumpy) == 1 and jumpy[0] > 3
    clean = seam_jumps(frame_steps(_clip_with_a_jump(tmp_path, 18, 0.0)), [18, 18])
    assert clean[0] < 1.5


def test_seam_positions_follow_the_clip_lengths():
    steps = [1.0] * 9 + [5.0] + [1.0] * 10  # a jump between frame 9 and 10
    assert seam_jumps(steps, [10, 11]) == [5.0]
    assert seam_jumps(steps, [5, 16]) == [1.0]


def test_offline_consistency_tells_the_same_picture_from_another(reference):
    assert offline_consistency(reference, reference) > 0.95
    assert offline_consistency(_cast(reference, 6, -4), reference) > 0.8
    assert offline_consistency(ImageOps.invert(reference), reference) < 0.5


def test_a_chain_is_flagged_with_the_reasons():
    assert not judge(1.2, 1.1, 0.9).flagged
    verdict = judge(8.0, 3.0, 0.4)
    assert len(verdict.reasons) == 3
    assert "ΔE 8.0" in verdict.reasons[0]
