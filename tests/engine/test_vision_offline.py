from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

from scenemaker_desktop.engine.errors import InputImageError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.vision.base import ANALYSIS_FIELDS
from scenemaker_desktop.engine.vision.colour_names import NAMED_COLOURS, colour_name
from scenemaker_desktop.engine.vision.offline import (
    OfflineAnalyzer,
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


def _astronaut() -> Image.Image:
    """An orange suit with dark seams, a black visor and a shaded flank, on a starfield.

    Cut off at the bottom edge like a portrait; the starfield is busier than the suit.
    """
    image = Image.new("RGB", (320, 240), (6, 6, 12))
    draw = ImageDraw.Draw(image)
    stars = random.Random(5)
    for _ in range(600):
        level = stars.randrange(140, 256)
        draw.point((stars.randrange(320), stars.randrange(240)), fill=(level,) * 3)
    orange, seam = (232, 116, 30), (22, 14, 8)
    draw.ellipse((120, 8, 200, 92), fill=orange)  # helmet
    draw.ellipse((132, 22, 188, 78), fill=(10, 10, 16))  # visor
    draw.arc((138, 28, 168, 70), 200, 260, fill=(220, 220, 235), width=3)  # glint
    draw.rounded_rectangle((50, 86, 270, 260), radius=30, fill=orange)  # torso
    draw.rectangle((220, 86, 270, 240), fill=(150, 66, 16))  # flank in shadow
    for x, width in ((160, 3), (100, 2), (220, 2)):
        draw.line((x, 92, x, 240), fill=seam, width=width)
    draw.rectangle((134, 120, 186, 160), fill=(28, 28, 32))  # chest pack
    return image.filter(ImageFilter.GaussianBlur(0.6))


def _red_car() -> Image.Image:
    """A red body with black tyres and dark windows in a white studio with a grey floor."""
    image = Image.new("RGB", (320, 240), (236, 236, 232))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, 320, 240), fill=(170, 170, 168))
    draw.rounded_rectangle((70, 110, 250, 170), radius=12, fill=(214, 32, 36))
    draw.polygon([(110, 110), (135, 78), (200, 78), (225, 110)], fill=(214, 32, 36))
    draw.polygon([(122, 108), (140, 84), (195, 84), (212, 108)], fill=(30, 34, 40))
    draw.line((167, 84, 167, 108), fill=(214, 32, 36), width=4)
    for x in (105, 215):
        draw.ellipse((x - 20, 150, x + 20, 190), fill=(14, 14, 16))
    return image


def _blue_box_on_grass() -> Image.Image:
    image = Image.new("RGB", (320, 240), (60, 140, 60))
    draw = ImageDraw.Draw(image)
    blades = random.Random(1)
    for _ in range(400):
        x, y = blades.randrange(320), blades.randrange(240)
        draw.line((x, y, x + 1, y - 4), fill=(40, 110, 40))
    draw.rectangle((200, 60, 280, 180), fill=(36, 70, 190))
    draw.rectangle((200, 60, 220, 180), fill=(24, 48, 130))  # the side in shade
    return image


def _white_figure_at_night() -> Image.Image:
    image = Image.new("RGB", (240, 320), (24, 32, 80))
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 40, 150, 100), fill=(245, 245, 245))
    draw.rectangle((80, 100, 160, 260), fill=(240, 240, 240))
    for y in range(120, 260, 20):
        draw.line((80, y, 160, y), fill=(170, 172, 178), width=2)
    draw.ellipse((105, 55, 135, 85), fill=(20, 20, 26))
    return image


def _red_ball_in_the_sky() -> Image.Image:
    """A gradient background: its many shades must still read as one sky."""
    light = Image.linear_gradient("L").resize((320, 240))
    image = Image.composite(
        Image.new("RGB", light.size, (190, 215, 240)),
        Image.new("RGB", light.size, (40, 90, 170)),
        light,
    )
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 100, 140, 180), fill=(220, 30, 30))
    draw.chord((60, 100, 140, 180), 0, 180, fill=(150, 20, 24))  # the underside in shade
    draw.ellipse((80, 115, 95, 130), fill=(255, 200, 200))  # highlight
    return image.filter(ImageFilter.GaussianBlur(1))


def _black_cat_on_white() -> Image.Image:
    image = Image.new("RGB", (320, 240), (244, 244, 240))
    draw = ImageDraw.Draw(image)
    draw.ellipse((110, 90, 230, 200), fill=(16, 16, 18))
    draw.ellipse((140, 50, 200, 110), fill=(16, 16, 18))
    for x in (158, 182):
        draw.ellipse((x - 5, 70, x + 5, 80), fill=(200, 170, 40))  # eyes
    return image


# Near-synonyms in NAMED_COLOURS: any of these names the family right.
ORANGES = {"burnt orange", "warm amber", "terracotta", "rust", "coral"}
REDS = {"red", "crimson", "burgundy"}
BLUES = {"cobalt blue", "navy", "steel blue", "sky blue", "indigo"}
WHITES = {"white", "ivory", "silver", "cream"}


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

    analyzer = OfflineAnalyzer()
    warm_text, cool_text = analyzer.analyze(warm_path), analyzer.analyze(cool_path)
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
    analysis = OfflineAnalyzer().analyze(cool_path)
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
    analysis = OfflineAnalyzer().analyze(path)
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
    assert OfflineAnalyzer().analyze(path).action_direction.startswith(move)


def test_even_texture_has_no_focal_point(tmp_path: Path) -> None:
    noise = Image.effect_noise((320, 180), 60)
    path = _save(Image.merge("RGB", [noise] * 3), tmp_path / "noise.png")
    m = measure(path)
    assert m.focus is None and m.placement == "spread"
    analysis = OfflineAnalyzer().analyze(path)
    assert analysis.main_subject.startswith("no single focal point")
    assert "busy, textured background" in analysis.background
    assert analysis.action_direction == "slow lateral drift across the scene"


def test_given_action_text_passes_through(cool_path: Path) -> None:
    analysis = OfflineAnalyzer().analyze(cool_path, action="  she turns and\nwalks into the fog ")
    assert analysis.action_direction == "she turns and walks into the fog"
    assert all(getattr(analysis, field) for field in ANALYSIS_FIELDS)


def test_orientation_follows_exif_and_true_size_is_reported(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    _dark_cool().resize((1600, 900)).save(path, exif=exif.tobytes())
    m = measure(path)
    assert (m.width, m.height, m.orientation) == (900, 1600, "portrait")
    assert "portrait frame" in OfflineAnalyzer().analyze(path).main_subject
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
        OfflineAnalyzer().analyze(path)


def test_describe_frame_reads_a_frame_taken_from_a_real_clip(tmp_path: Path) -> None:
    clip = render_clip(tmp_path / "clip.mp4", [_dark_cool()] * 6)
    frame = tmp_path / "seed.png"
    run_ffmpeg(["-y", "-i", str(clip), "-vf", "select=eq(n\\,5)", "-frames:v", "1", str(frame)])
    line = describe_frame(frame)
    assert "\n" not in line
    assert line.startswith("a dark, cool-toned landscape frame in charcoal and deep teal")
    assert line.endswith("with the detail in the centre")


def test_colour_families_are_names_the_table_can_return() -> None:
    assert ORANGES | REDS | BLUES | WHITES | {"black"} <= set(NAMED_COLOURS)


@pytest.mark.parametrize("name", ["astronaut.png", "astronaut-big.jpg"])
def test_orange_astronaut_on_a_starfield_is_orange_not_its_black_visor(
    tmp_path: Path, name: str
) -> None:
    image = _astronaut() if name.endswith(".png") else _astronaut().resize((960, 720))
    path = _save(image, tmp_path / name)
    m = measure(path)
    assert m.subject_colour in ORANGES
    assert m.palette[0].name == "black"  # the frame is mostly space, the subject is not
    main_subject = OfflineAnalyzer().analyze(path).main_subject
    assert f" {m.subject_colour} subject" in main_subject
    assert "black" not in main_subject


@pytest.mark.parametrize(
    ("draw", "family"),
    [
        (_red_car, REDS),
        (_blue_box_on_grass, BLUES),
        (_white_figure_at_night, WHITES),
        (_black_cat_on_white, {"black"}),
        (_red_ball_in_the_sky, REDS),
        (_dark_cool, {"ivory", "white", "cream"}),
    ],
    ids=[
        "red-car-on-white",
        "blue-box-on-grass",
        "white-figure-on-dark-blue",
        "black-cat-stays-black",
        "red-ball-on-sky-gradient",
        "ivory-on-two-background-colours",
    ],
)
def test_subject_colour_is_the_subject_s_dominant_colour(
    tmp_path: Path, draw: Callable[[], Image.Image], family: set[str]
) -> None:
    path = _save(draw(), tmp_path / "subject.png")
    m = measure(path)
    assert m.subject_colour in family
    assert f" {m.subject_colour} subject" in OfflineAnalyzer().analyze(path).main_subject
