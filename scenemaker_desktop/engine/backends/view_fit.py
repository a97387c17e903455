"""Whole-pixel crops and sizes that place a scaled view to a small fraction of a pixel.

ffmpeg's scaler is several times quicker than Pillow's resize, but it only
takes whole-pixel crops and sizes, which is why ffmpeg's zoompan stair-steps.
Scaling a crop of ``length`` source pixels to ``scaled`` pixels and keeping
``size`` of them from ``offset`` on puts output pixel i's centre at source
``start + (offset + i + 0.5) * length / scaled``. Choosing those four integers
together reaches a scale and a sub-pixel position very closely: the ratio
``length / scaled`` gives the scale (there are many ratios near any scale once
``scaled`` may run a little past ``size``), and the offset into the scaled row
gives the fraction of a pixel.

Near a ratio of small whole numbers (a scale of exactly 1, 5/4, 3/2 …) every
close ratio *is* that ratio, whose offsets only reach a few fractions; a
picture prepared at a second, unrelated scale is never near one at the same
time, so the caller can turn to it there (``PLANE_SCALES``, ``plane_atlas``).
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

SPARE = 96
"""Output pixels the scaled row may run past the frame: the range the search tries."""
EDGE = 2
"""Scaled pixels kept beyond each side of the frame, so its edge pixels are filtered
from real neighbours, as Pillow's resize of a box inside an image does."""
CLOSE_ENOUGH = 1 / 48
"""Source pixels: by default, a fit this close ends the search."""
PLANE_SCALES = (1.0, 1.0837)
"""The two scales the still is prepared at. 1.0837 is near no ratio of small whole
numbers, so where one picture cannot place a frame, the other can (measured)."""


@dataclass(frozen=True)
class AxisCrop:
    """One axis of a view: crop ``length`` pixels from ``start``, scale them to
    ``scaled``, keep the output's ``size`` pixels from ``offset`` on."""

    start: int
    length: int
    scaled: int
    offset: int
    miss: float
    """How far (signed, source pixels) the first output pixel lands from where it belongs."""
    drift: float
    """How much further the last one misses: the scale's error across the row."""

    @property
    def error(self) -> float:
        """The largest distance, in source pixels, of an output pixel from where it belongs."""
        return max(abs(self.miss), abs(self.miss + self.drift))

    @property
    def last_miss(self) -> float:
        return self.miss + self.drift


def scaler_step(length: int, scaled: int) -> float:
    """Source pixels per output pixel as ffmpeg's scaler rounds it (16.16 fixed point)."""
    return (((length << 16) + (scaled >> 1)) // scaled) / 65536


def padding(scale: float) -> int:
    """Source pixels a plane needs beyond each edge for views at up to ``scale``.

    A fit may start its crop up to ``SPARE`` output pixels before the view.
    """
    return math.ceil((SPARE + EDGE) * scale) + 2


def fit_axis(
    left: float,
    scale: float,
    size: int,
    close_enough: float = CLOSE_ENOUGH,
    aim: tuple[float, float] = (0.0, 0.0),
) -> AxisCrop:
    """The crop that best shows ``size`` output pixels from source ``left`` on.

    ``left`` is the source coordinate of the view's first edge (pixel edges
    are whole numbers), ``scale`` the source pixels per output pixel. ``aim``
    is the miss wanted at the first and the last pixel: the previous frame's,
    so that what moves from frame to frame is exact even where a frame is not.
    """
    first_centre = left + 0.5 * scale
    misses = _misses(first_centre, scale)
    lean = aim[1] - aim[0]
    best: AxisCrop | None = None
    best_gap = math.inf
    for drift, length, scaled in _ratios(scale, size, lean):
        # The gap to the aim is at least half the drift's, whatever the offset.
        if abs(drift - lean) / 2 >= best_gap:
            break
        # Share the drift's gap between the first and the last pixel.
        offset = _nearest(misses, (aim[0] + aim[1] - drift) / 2, scaled - size - EDGE)
        crop = _crop(first_centre, length, scaled, offset, drift)
        gap = max(abs(crop.miss - aim[0]), abs(crop.last_miss - aim[1]))
        if gap < best_gap:
            best, best_gap = crop, gap
            if gap <= close_enough:
                break
    return best or _fallback(first_centre, scale, size)


def _misses(first_centre: float, scale: float) -> tuple[list[float], list[int]]:
    """Where each offset's whole-pixel start leaves the first pixel, sorted: (misses, offsets).

    At the exact scale; a ratio's own step moves it by under a hundredth of a
    pixel over the offsets tried, which ``_crop`` accounts for exactly.
    """
    pairs = sorted(
        (round(centre) - centre, offset)
        for offset in range(EDGE, SPARE)
        for centre in (first_centre - (offset + 0.5) * scale,)
    )
    return [miss for miss, _ in pairs], [offset for _, offset in pairs]


def _nearest(misses: tuple[list[float], list[int]], target: float, highest: int) -> int:
    """The offset up to ``highest`` whose miss lies nearest ``target``."""
    values, offsets = misses
    right = bisect.bisect_left(values, target)
    left = right - 1
    while left >= 0 or right < len(values):
        use_left = right >= len(values) or (
            left >= 0 and target - values[left] <= values[right] - target
        )
        index = left if use_left else right
        if offsets[index] <= highest:
            return offsets[index]
        if use_left:
            left -= 1
        else:
            right += 1
    return EDGE


def _crop(first_centre: float, length: int, scaled: int, offset: int, drift: float) -> AxisCrop:
    step = scaler_step(length, scaled)
    start = round(first_centre - (offset + 0.5) * step)
    miss = start + (offset + 0.5) * step - first_centre
    return AxisCrop(start, length, scaled, offset, miss, drift)


def _ratios(scale: float, size: int, lean: float) -> list[tuple[float, int, int]]:
    """(drift, length, scaled) candidates, the drift nearest ``lean`` first.

    The drift is how far the last output pixel lands from where the first
    one's placement would have it: the scale error across the row. (The
    scaler's rounding of the step is spelled out here: this runs ~60 times a
    fit, a few hundred fits a clip.)
    """
    span = size - 1
    found = []
    for scaled in range(size + 2 * EDGE + 1, size + SPARE):
        length = round(scale * scaled)
        drift = span * ((((length << 16) + (scaled >> 1)) // scaled) / 65536 - scale)
        # A ratio a sixth of a pixel off can never beat the usual best.
        if abs(drift - lean) < 1 / 6:
            found.append((drift, length, scaled))
    found.sort(key=lambda item: abs(item[0] - lean))
    return found


def _fallback(first_centre: float, scale: float, size: int) -> AxisCrop:
    """The plainest crop, for a scale no ratio in range comes near (never seen in use)."""
    scaled = size + 2 * EDGE + 1
    length = round(scale * scaled)
    drift = (size - 1) * (scaler_step(length, scaled) - scale)
    return _crop(first_centre, length, scaled, EDGE, drift)
