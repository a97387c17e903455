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
close ratio *is* that ratio, whose offsets only reach a few fractions; a plane
prepared at a second, unrelated scale is never near one at the same time, so
the caller fits both and keeps the closer (``PLANE_SCALES``).
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
"""Source pixels: a luma fit this close ends the search."""
PLANE_SCALES = (1.0, 1.0837)
"""The two scales each plane is prepared at; 1.0837 is near no simple ratio of 1."""


@dataclass(frozen=True)
class AxisCrop:
    """One axis of a view: crop ``length`` pixels from ``start``, scale them to
    ``scaled``, keep the output's ``size`` pixels from ``offset`` on."""

    start: int
    length: int
    scaled: int
    offset: int
    error: float
    """The largest distance, in source pixels, of an output pixel from where it belongs."""


def scaler_step(length: int, scaled: int) -> float:
    """Source pixels per output pixel as ffmpeg's scaler rounds it (16.16 fixed point)."""
    return (((length << 16) + (scaled >> 1)) // scaled) / 65536


def padding(scale: float) -> int:
    """Source pixels a plane needs beyond each edge for views at up to ``scale``.

    A fit may start its crop up to ``SPARE`` output pixels before the view.
    """
    return math.ceil((SPARE + EDGE) * scale) + 2


def fit_axis(left: float, scale: float, size: int, close_enough: float = CLOSE_ENOUGH) -> AxisCrop:
    """The crop that best shows ``size`` output pixels from source ``left`` on.

    ``left`` is the source coordinate of the view's first edge (pixel edges
    are whole numbers), ``scale`` the source pixels per output pixel.
    """
    first_centre = left + 0.5 * scale
    misses = _misses(first_centre, scale)
    best: AxisCrop | None = None
    for drift, length, scaled in _ratios(scale, size):
        # The error is at least half the drift across the row, whatever the offset.
        if best is not None and abs(drift) / 2 >= best.error:
            break
        # Centre the miss between the first and the last pixel: half the drift each.
        offset = _nearest(misses, -drift / 2, scaled - size - EDGE)
        crop = _crop(first_centre, length, scaled, offset, drift)
        if best is None or crop.error < best.error:
            best = crop
            if best.error <= close_enough:
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
    return AxisCrop(start, length, scaled, offset, max(abs(miss), abs(miss + drift)))


def _ratios(scale: float, size: int) -> list[tuple[float, int, int]]:
    """(drift, length, scaled) candidates, smallest drift first.

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
        # A ratio drifting a sixth of a pixel can never beat the usual best.
        if -1 / 6 < drift < 1 / 6:
            found.append((drift, length, scaled))
    found.sort(key=lambda item: abs(item[0]))
    return found


def _fallback(first_centre: float, scale: float, size: int) -> AxisCrop:
    """The plainest crop, for a scale no ratio in range comes near (never seen in use)."""
    scaled = size + 2 * EDGE + 1
    length = round(scale * scaled)
    drift = (size - 1) * (scaler_step(length, scaled) - scale)
    return _crop(first_centre, length, scaled, EDGE, drift)
