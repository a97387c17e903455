"""Offline image analysis: what Pillow can measure, said in words an artist uses.

Without a vision model we cannot tell *what* the subject is, only where the
detail sits, how bright and colourful things are and which colours dominate.
The sentences below say exactly that much and no more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageChops, ImageOps, ImageStat

from scenemaker_desktop.engine.errors import InputImageError
from scenemaker_desktop.engine.images import DECODE_ERRORS, flatten_to_rgb, open_checked
from scenemaker_desktop.engine.vision.base import ImageAnalysis
from scenemaker_desktop.engine.vision.colour_names import colour_name, subject_colour_name
from scenemaker_desktop.engine.vision.detail import (
    WORKING_SIZE,
    DetailFocus,
    cell_box,
    edge_grid,
    focus_of,
)

PALETTE_SIZE = 5
_MIN_PALETTE_SHARE = 0.03
_GRID = 3
_CELLS = tuple((row, col) for row in range(_GRID) for col in range(_GRID))
_QUARTER_TURNS = frozenset({5, 6, 7, 8})
# Subject colour: enough palette entries that a subject is not averaged into its
# background; cells at least half as busy as the busiest one hold the subject.
_SUBJECT_PALETTE = 32
_SALIENT_SHARE = 0.5


@dataclass(frozen=True)
class PaletteColour:
    name: str
    rgb: tuple[int, int, int]
    share: float
    """Fraction of the image (0..1) that this colour covers."""


@dataclass(frozen=True)
class ImageMeasurements:
    """Numbers measured on a ≤256 px copy; every ratio is in 0..1 unless noted."""

    width: int
    height: int
    brightness: float
    contrast: float
    """Standard deviation of luma divided by 255 (0.25 is already punchy)."""
    saturation: float
    warmth: float
    """(mean red − mean blue) / 255, from −1 (icy) to 1 (fiery)."""
    palette: tuple[PaletteColour, ...]
    edge_grid: tuple[tuple[float, ...], ...]
    """Mean edge energy / 255 in a 3×3 grid, rows top to bottom."""
    focus: DetailFocus | None
    """Centre of the edge energy above the quietest cell (x, y); None when evenly spread."""
    subject_colour: str
    subject_brightness: float
    background_brightness: float
    background_detail: float

    @property
    def orientation(self) -> str:
        if abs(self.width - self.height) <= 0.05 * max(self.width, self.height):
            return "square"
        return "landscape" if self.width > self.height else "portrait"

    @property
    def temperature(self) -> str:
        if self.warmth > 0.04:
            return "warm"
        return "cool" if self.warmth < -0.04 else "neutral"

    @property
    def key(self) -> str:
        if self.brightness < 0.35:
            return "low-key"
        return "high-key" if self.brightness > 0.65 else "mid-key"

    @property
    def subject_detail(self) -> float:
        return max(max(row) for row in self.edge_grid)

    @property
    def placement(self) -> str:
        """Where the detail sits: 'centre', 'left', 'upper right', … or 'spread'."""
        if self.focus is None:
            return "spread"
        x, y = self.focus
        horizontal = "left" if x < 0.4 else "right" if x > 0.6 else ""
        vertical = "upper" if y < 0.4 else "lower" if y > 0.6 else ""
        return " ".join(word for word in (vertical, horizontal) if word) or "centre"


class OfflineAnalyzer:
    """Analyzer that needs no network: Pillow measurements turned into sentences."""

    name = "offline"

    def analyze(self, image: Path, action: str = "") -> ImageAnalysis:
        m = measure(image)
        names = [colour.name for colour in m.palette]
        return ImageAnalysis(
            theme=f"a {_mood(m)}, {m.key} {m.temperature}-toned scene",
            background=(
                f"a {_lightness_word(m.background_brightness)}, "
                f"{_texture_word(m.background_detail)} background dominated by "
                f"{_join(names[:2])}"
            ),
            main_subject=_subject_sentence(m),
            tone_and_color=(
                f"{m.temperature}, {m.key} palette of {_join(names[:3])}; "
                f"{_contrast_word(m.contrast)}, {_saturation_word(m.saturation)}"
            ),
            action_direction=" ".join(action.split()) or suggest_camera_move(m),
        )


def measure(image: Path | Image.Image) -> ImageMeasurements:
    """Measure ``image`` (a path or an open Pillow image) on a small upright RGB copy."""
    if isinstance(image, Image.Image):
        width, height = image.size
        small = _working_copy(image)
    else:
        width, height, small = _load_small(Path(image))
    grey = small.convert("L")
    grey_stat = ImageStat.Stat(grey)
    red, _green, blue = ImageStat.Stat(small).mean
    grid = edge_grid(grey, _GRID)
    quiet = _quiet_cells(grid)
    return ImageMeasurements(
        width=width,
        height=height,
        brightness=grey_stat.mean[0] / 255,
        contrast=grey_stat.stddev[0] / 255,
        saturation=_saturation(small),
        warmth=(red - blue) / 255,
        palette=dominant_palette(small),
        edge_grid=grid,
        focus=focus_of(grid),
        subject_colour=_subject_colour(small, grid),
        subject_brightness=_cells_mean(grey, [_busiest_cell(grid)]) / 255,
        background_brightness=_cells_mean(grey, quiet) / 255,
        background_detail=sum(grid[r][c] for r, c in quiet) / len(quiet),
    )


def _saturation(small: Image.Image) -> float:
    """Mean HSV saturation, weighted by value: near-black noise is not colourful."""
    _hue, saturation, value = small.convert("HSV").split()
    weighted = ImageStat.Stat(ImageChops.multiply(saturation, value)).mean[0]
    return weighted / max(ImageStat.Stat(value).mean[0], 1e-6)


def describe_frame(image: Path) -> str:
    """One line about a frame, e.g. for the seed frame of a later chain."""
    m = measure(image)
    names = _join([colour.name for colour in m.palette[:2]])
    where = "spread across the frame" if m.placement == "spread" else _where(m.placement)
    return (
        f"a {_lightness_word(m.brightness)}, {m.temperature}-toned {m.orientation} frame "
        f"in {names}, with the detail {where}"
    )


def suggest_camera_move(m: ImageMeasurements) -> str:
    """A camera move toward where the detail is, phrased so the local renderer can use it."""
    placement = m.placement
    if placement == "spread":
        return "slow lateral drift across the scene"
    if placement == "centre":
        return "slow push in toward the centre"
    if "left" in placement or "right" in placement:
        side = "left" if "left" in placement else "right"
        return f"gentle pan {side} toward the subject {_where(placement)}"
    tilt = "up" if placement == "upper" else "down"
    return f"slow tilt {tilt} toward the {placement} part of the frame"


def dominant_palette(small: Image.Image) -> tuple[PaletteColour, ...]:
    """Up to five named colours, largest share first; close colours share one name."""
    quantised = small.quantize(colors=PALETTE_SIZE, method=Image.Quantize.FASTOCTREE)
    flat = quantised.getpalette() or []
    total = small.width * small.height
    merged: dict[str, tuple[float, tuple[int, int, int], int]] = {}
    for count, index in quantised.getcolors() or []:
        rgb = (flat[3 * index], flat[3 * index + 1], flat[3 * index + 2])
        name = colour_name(rgb)
        share, best_rgb, best_count = merged.get(name, (0.0, rgb, 0))
        if count > best_count:
            best_rgb, best_count = rgb, count
        merged[name] = (share + count / total, best_rgb, best_count)
    colours = [PaletteColour(name, rgb, share) for name, (share, rgb, _) in merged.items()]
    colours.sort(key=lambda colour: colour.share, reverse=True)
    return tuple(c for c in colours if c.share >= _MIN_PALETTE_SHARE) or tuple(colours[:1])


def _load_small(path: Path) -> tuple[int, int, Image.Image]:
    with open_checked(path) as im:
        # Header size, before draft() shrinks it; turned like the pixels will be.
        width, height = im.size
        try:
            if im.getexif().get(ExifTags.Base.Orientation) in _QUARTER_TURNS:
                width, height = height, width
            im.seek(0)
            # JPEG can decode straight at 1/2..1/8 scale: a 50 MP photo costs little.
            im.draft("RGB", (WORKING_SIZE * 2, WORKING_SIZE * 2))
            # Shrink before turning upright so only the small copy is ever rotated.
            im.thumbnail((WORKING_SIZE, WORKING_SIZE))
            upright = ImageOps.exif_transpose(im)
        except DECODE_ERRORS as exc:
            raise InputImageError(f"{path.name} is damaged and cannot be analyzed") from exc
        return width, height, flatten_to_rgb(upright)


def _working_copy(image: Image.Image) -> Image.Image:
    small = image.copy()
    small.thumbnail((WORKING_SIZE, WORKING_SIZE))
    return flatten_to_rgb(small)


def _cell_box(image: Image.Image, row: int, col: int) -> tuple[int, int, int, int]:
    return cell_box(image, row, col, _GRID)


def _busiest_cell(grid: tuple[tuple[float, ...], ...]) -> tuple[int, int]:
    return max(_CELLS, key=lambda cell: grid[cell[0]][cell[1]])


def _quiet_cells(grid: tuple[tuple[float, ...], ...]) -> list[tuple[int, int]]:
    """The four cells with the least detail: our best guess at the background."""
    return sorted(_CELLS, key=lambda cell: grid[cell[0]][cell[1]])[:4]


def _cells_mean(image: Image.Image, cells: list[tuple[int, int]]) -> float:
    return sum(ImageStat.Stat(image.crop(_cell_box(image, r, c))).mean[0] for r, c in cells) / len(
        cells
    )


def _subject_colour(image: Image.Image, grid: tuple[tuple[float, ...], ...]) -> str:
    """Name the colour covering most of the subject region that is not the background.

    Coverage, not contrast: the old "stands out most from the mean background" rule
    called an orange astronaut black, because the mean of black space and an orange
    suit is brown, and the dark visor differs more from brown than the suit does.
    """
    # One shared palette, so the border and the subject region count the same entries.
    indexed = image.quantize(colors=_SUBJECT_PALETTE, method=Image.Quantize.FASTOCTREE)
    flat = indexed.getpalette() or []

    def rgb_counts(boxes: list[tuple[int, int, int, int]]) -> dict[tuple[int, int, int], int]:
        counts: dict[tuple[int, int, int], int] = {}
        for box in boxes:
            # A 'P' image's histogram counts palette indices.
            for i, count in enumerate(indexed.crop(box).histogram()):
                if count:
                    rgb = (flat[3 * i], flat[3 * i + 1], flat[3 * i + 2])
                    counts[rgb] = counts.get(rgb, 0) + count
        return counts

    region = rgb_counts([_cell_box(indexed, r, c) for r, c in _salient_cells(grid)])
    return subject_colour_name(region, [rgb_counts([side]) for side in _border_strips(indexed)])


def _salient_cells(grid: tuple[tuple[float, ...], ...]) -> list[tuple[int, int]]:
    """The busiest cell and every cell nearly as busy: where the subject most likely is."""
    busiest = max(grid[r][c] for r, c in _CELLS)
    return [(r, c) for r, c in _CELLS if grid[r][c] >= _SALIENT_SHARE * busiest]


def _border_strips(image: Image.Image) -> list[tuple[int, int, int, int]]:
    """A thin frame's top, bottom, left and right sides: where the background shows.

    Not the quietest cells: a starfield is busier than a smooth space suit, so the
    quiet cells can be the subject itself; the frame's sides rarely are.
    """
    w, h = image.size
    t = max(1, min(w, h) // 32)
    return [(0, 0, w, t), (0, h - t, w, h), (0, t, t, h - t), (w - t, t, w, h - t)]


def _subject_sentence(m: ImageMeasurements) -> str:
    frame = f"{m.orientation} frame"
    if m.placement == "spread":
        return (
            f"no single focal point: detail is spread evenly across a {frame} "
            "(not identified offline)"
        )
    detail = "high-detail" if m.subject_detail > 0.08 else "softly detailed"
    gap = m.subject_brightness - m.background_brightness
    relation = (
        "brighter than" if gap > 0.08 else "darker than" if gap < -0.08 else "close in tone to"
    )
    return (
        f"a {detail} {m.subject_colour} subject, {relation} its surroundings, "
        f"{_where(m.placement)} of a {frame} (not identified offline)"
    )


def _where(placement: str) -> str:
    if placement == "centre":
        return "in the centre"
    if placement in ("left", "right"):
        return f"in the {placement} third"
    if placement in ("upper", "lower"):
        return f"in the {placement} part"
    return f"in the {placement}"


def _mood(m: ImageMeasurements) -> str:
    contrast = _contrast_word(m.contrast)
    moods = {
        ("low-key", "high contrast"): "dramatic",
        ("high-key", "low contrast"): "airy",
        ("high-key", "moderate contrast"): "bright",
        ("high-key", "high contrast"): "crisp",
        ("mid-key", "low contrast"): "gentle",
        ("mid-key", "moderate contrast"): "balanced",
        ("mid-key", "high contrast"): "striking",
    }
    mood = moods.get((m.key, contrast), "moody")
    if m.saturation > 0.5 and mood in ("balanced", "bright", "gentle"):
        return "vibrant"
    return mood


def _lightness_word(value: float) -> str:
    return "dark" if value < 0.35 else "light" if value > 0.65 else "mid-toned"


def _texture_word(detail: float) -> str:
    return "smooth" if detail < 0.02 else "soft-textured" if detail < 0.06 else "busy, textured"


def _contrast_word(contrast: float) -> str:
    if contrast < 0.12:
        return "low contrast"
    return "high contrast" if contrast > 0.22 else "moderate contrast"


def _saturation_word(saturation: float) -> str:
    if saturation < 0.2:
        return "muted saturation"
    return "vivid saturation" if saturation > 0.5 else "natural saturation"


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"
