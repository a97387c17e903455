from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scenemaker_desktop.engine.errors import InputImageError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS
from scenemaker_desktop.engine.vision.colour_names import NAMED_COLOURS, colour_name
from scenemaker_desktop.engine.vision.offline import (
    OfflineAnalyser,
    describe_frame,
    measure,
)
from tests.engine.media_fixtures import render_clip

CHARCOAL = (54, 57, 61)
DEEP_TEAL = (16, 82, 88)
IVORY = (248, 243, 226)
SAND = (246, 206, 130)
AMBER = (226, 146, 38)


def _warm_bright() -> Image.Image:
    image = Image.new("RGB", (320, 180), SAND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 120, 320, 180), fill=AMBER)
    draw.ellipse((130, 60, 190, 120), fill=(120, 70, 40))
    return image


def _dark_cool() -> Image.Image:
    image = Image.new("RGB", (320, 180), CHARCOAL)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 320, 70), fill=DEEP_TEAL)
    draw.ellipse((135, 65, 185, 115), fill=IVORY)
    return image


def _checkerboard_at(x0: int, y0: int, size: tuple[int, int] = (320, 180)) -> Image.Image:
    """A flat grey frame with a small, busy checkerboard whose corner is at (x0, y0)."""
    image = Image.new("RGB", size, (120, 120, 120))
    draw = ImageDraw.Draw(image)
    for i in range(8):
        for j in range(8):
            if (i + j) % 2:
                left, top = x0 + i * 6, y0 + j * 6
                draw.rectangle((left, top, left + 5, top + 5), fill=(240, 240, 240))
    return image


def _save(image: Image.Image, path: Path) -> Path:
    image.save(path)
    return path


@pytest.fixture
def warm_path(tmp_path: Path) -> Path:
    return _save(_warm_bright(), tmp_path / "warm.png")


@pytest.fixture
def cool_path(tmp_path: Path) -> Path:
    return _save(_dark_cool(), tmp_path / "cool.png")


def test_warm_bright_and_dark_cool_images_get_opposite_words(
    warm_path: Path, cool_path: Path
) -> None:
    warm, cool = measure(warm_path), measure(cool_path)
    assert (warm.temperature, warm.key) == ("warm", "high-key")
    assert (cool.temperature, cool.key) == ("cool", "low-key")
    assert warm.brightness > 0.65 > 0.35 > cool.brightness

    analyser = OfflineAnalyser()
    warm_text, cool_text = analyser.analyse(warm_path), analyser.analyse(cool_path)
    assert "high-key warm-toned scene" in warm_text.theme
    assert cool_text.theme == "a moody, low-key cool-toned scene"
    assert warm_text.tone_and_color.startswith("warm, high-key palette of ")
    assert cool_text.tone_and_color.startswith("cool, low-key palette of ")
    assert warm_text.background.startswith("a light, ")
    assert cool_text.background.startswith("a dark, ")


def test_palette_names_come_from_the_table_and_match_the_paint(
    warm_path: Path, cool_path: Path
) -> None:
    cool = measure(cool_path)
    assert [colour.name for colour in cool.palette] == ["charcoal", "deep teal", "ivory"]
    assert sum(colour.share for colour in cool.palette) == pytest.approx(1.0, abs=0.02)
    warm_names = [colour.name for colour in measure(warm_path).palette]
    assert warm_names[:2] == ["sand", "warm amber"]
    assert set(warm_names) <= set(NAMED_COLOURS)
    analysis = OfflineAnalyser().analyse(cool_path)
    assert "charcoal, deep teal and ivory" in analysis.tone_and_color
    assert analysis.background.endswith("dominated by charcoal and deep teal")


def test_nearest_colour_name_is_perceptual() -> None:
    assert all(colour_name(rgb) == name for name, rgb in NAMED_COLOURS.items())
    assert colour_name((20, 80, 86)) == "deep teal"
    assert colour_name((230, 150, 45)) == "warm amber"
    assert colour_name((50, 52, 58)) == "charcoal"


def test_subject_in_the_left_third_is_found_and_suggests_a_pan_left(tmp_path: Path) -> None:
    path = _save(_checkerboard_at(30, 60), tmp_path / "left.png")
    m = measure(path)
    assert m.placement == "left"
    assert m.focus is not None and m.focus[0] < 1 / 3
    analysis = OfflineAnalyser().analyse(path)
    assert "in the left third of a landscape frame" in analysis.main_subject
    assert "high-detail" in analysis.main_subject
    assert "not identified offline" in analysis.main_subject
    assert analysis.action_direction.startswith("gentle pan left")


@pytest.mark.parametrize(
    ("corner", "placement", "move"),
    [
        ((250, 60), "right", "gentle pan right"),
        ((136, 66), "centre", "slow push in toward the centre"),
        ((136, 4), "upper", "slow tilt up"),
        ((20, 130), "lower left", "gentle pan left"),
    ],
)
def test_composition_follows_where_the_detail_is(
    tmp_path: Path, corner: tuple[int, int], placement: str, move: str
) -> None:
    path = _save(_checkerboard_at(*corner), tmp_path / "subject.png")
    assert measure(path).placement == placement
    assert OfflineAnalyser().analyse(path).action_direction.startswith(move)


def test_even_texture_has_no_focal_point(tmp_path: Path) -> None:
    noise = Image.effect_noise((320, 180), 60)
    path = _save(Image.merge("RGB", [noise] * 3), tmp_path / "noise.png")
    m = measure(path)
    assert m.focus is None and m.placement == "spread"
    analysis = OfflineAnalyser().analyse(path)
    assert analysis.main_subject.startswith("no single focal point")
    assert "busy, textured background" in analysis.background
    assert analysis.action_direction == "slow lateral drift across the scene"


def test_given_action_text_passes_through(cool_path: Path) -> None:
    analysis = OfflineAnalyser().analyse(cool_path, action="  she turns and\nwalks into the fog ")
    assert analysis.action_direction == "she turns and walks into the fog"
    assert all(getattr(analysis, field) for field in ANALYSIS_FIELDS)


def test_orientation_follows_exif_and_true_size_is_reported(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    _dark_cool().resize((1600, 900)).save(path, exif=exif.tobytes())
    m = measure(path)
    assert (m.width, m.height, m.orientation) == (900, 1600, "portrait")
    assert "portrait frame" in OfflineAnalyser().analyse(path).main_subject
    square = measure(_save(Image.new("RGB", (300, 300), IVORY), tmp_path / "sq.png"))
    assert square.orientation == "square"


def test_measure_accepts_an_open_image_and_agrees_with_the_file(cool_path: Path) -> None:
    from_image, from_file = measure(_dark_cool()), measure(cool_path)
    assert from_image.palette == from_file.palette
    assert from_image.brightness == pytest.approx(from_file.brightness)
    assert (from_image.width, from_image.height) == (320, 180)


def test_transparent_input_is_measured_over_white(tmp_path: Path) -> None:
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    image.paste((16, 82, 88, 255), (0, 0, 60, 200))
    m = measure(_save(image, tmp_path / "cutout.png"))
    assert [colour.name for colour in m.palette] == ["white", "deep teal"]


def test_unusable_input_is_refused_with_the_intake_message(tmp_path: Path) -> None:
    path = tmp_path / "photo.svg"
    path.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(InputImageError, match="SVG drawing"):
        OfflineAnalyser().analyse(path)


def test_describe_frame_reads_a_frame_taken_from_a_real_clip(tmp_path: Path) -> None:
    clip = render_clip(tmp_path / "clip.mp4", [_dark_cool()] * 6)
    frame = tmp_path / "seed.png"
    run_ffmpeg(["-y", "-i", str(clip), "-vf", "select=eq(n\\,5)", "-frames:v", "1", str(frame)])
    line = describe_frame(frame)
    assert "\n" not in line
    assert line.startswith("a dark, cool-toned landscape frame in charcoal and deep teal")
    assert line.endswith("with the detail in the centre")
