"""The still, prepared once inside ffmpeg: the picture at each plane scale, in one frame.

Python sends the base frame (the still centre-cropped to the output aspect)
once; ``Atlas.graph`` has ffmpeg convert it to BT.709 limited-range yuv420p
with LANCZOS at each of the ``PLANE_SCALES``, smear every picture's edge
pixels outwards (a crop may start a little outside the picture) and stack
the pictures into one frame, the atlas, which ffmpeg loops. ``Atlas.view``
says which whole-pixel crop of the atlas shows a pose (``view_fit``).

One yuv420p chain carries luma and chroma together, so every number is even
(a crop at an odd column would shift the chroma by half a pixel): the fit
works in units of two pixels, which doubles its error, still a few
hundredths of a pixel. Pictures are prepared for the clip's largest zoom, so
no frame magnifies the LANCZOS-resampled still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image

from scenemaker_desktop.engine.backends.camera import CameraPose
from scenemaker_desktop.engine.backends.view_fit import PLANE_SCALES, AxisCrop, fit_axis, padding

CLOSE_ENOUGH = 1 / 64
"""Pixel pairs: a fit this close ends the search."""
GOOD_ENOUGH = 0.08
"""Pixels: a view this close to its pose stays on its picture."""
FADE = 0.8
"""Share of the previous frame's miss a frame aims for: continuity, drawn back to zero."""


@dataclass(frozen=True)
class ViewCrop:
    """The atlas crop, scaled size and offsets that show one frame (all even)."""

    x: AxisCrop
    y: AxisCrop


@dataclass(frozen=True)
class PlaneSlot:
    """One prepared picture in the atlas: its size and where it starts."""

    width: int
    height: int
    pad: int
    top: int
    """Atlas row of the picture's first row (its smeared border lies above)."""


@dataclass(frozen=True)
class Atlas:
    """Where every prepared picture goes in the frame ffmpeg loops; ``graph`` fills it."""

    output: tuple[int, int]
    slots: tuple[PlaneSlot, ...]
    width: int
    height: int

    @classmethod
    def plan(cls, size: tuple[int, int], zooms: tuple[float, float]) -> Atlas:
        """The layout for frames of ``size`` whose poses zoom within ``zooms``."""
        width, height = size
        low, high = max(min(zooms), 1.0), max(max(zooms), 1.0)
        slots, top = [], 0
        for k in PLANE_SCALES:
            w, h = _even(width * high * k), _even(height * high * k)
            # The widest view (the smallest zoom) has the most source pixels per output pixel.
            pad = 2 * padding(max(w / width, h / height) / low)
            slots.append(PlaneSlot(w, h, pad, top + pad))
            top += h + 2 * pad
        stack_width = max(slot.width + 2 * slot.pad for slot in slots)
        return cls(size, tuple(slots), stack_width, top)

    def views(self, poses: Sequence[CameraPose]) -> list[ViewCrop]:
        """The crop of every frame, each from the picture the previous one used
        while that picture shows it within ``GOOD_ENOUGH``.

        Each frame aims to miss by what the previous one missed (fading
        toward zero), so the motion between frames stays exact. The two
        pictures render fine texture a little differently, so a frame switches
        only where its picture cannot place it (near a ratio of small whole
        numbers), not for every hundredth of a pixel.
        """
        crops: list[ViewCrop] = []
        current = 0
        previous: ViewCrop | None = None
        for pose in poses:
            crop = self._fit(self.slots[current], pose, previous)
            if _error(crop) > GOOD_ENOUGH:
                crop = self._fit(self.slots[current], pose, None)
            if _error(crop) > GOOD_ENOUGH:
                other = (current + 1) % len(self.slots)
                alternative = self._fit(self.slots[other], pose, None)
                if _error(alternative) < _error(crop):
                    crop, current = alternative, other
            crops.append(crop)
            previous = crop
        return crops

    def _fit(self, slot: PlaneSlot, pose: CameraPose, previous: ViewCrop | None) -> ViewCrop:
        # In pixel pairs: the chroma grid, on which every number is whole.
        x0, y0, x1, y1 = pose.crop_box(slot.width / 2, slot.height / 2)
        half_w, half_h = self.output[0] // 2, self.output[1] // 2
        aim_x, aim_y = _aims(previous)
        x = fit_axis(x0 + slot.pad / 2, (x1 - x0) / half_w, half_w, CLOSE_ENOUGH, aim_x)
        y = fit_axis(y0 + slot.pad / 2, (y1 - y0) / half_h, half_h, CLOSE_ENOUGH, aim_y)
        return ViewCrop(_doubled(x, 0), _doubled(y, slot.top - slot.pad))

    def graph(self, source: str, output: str) -> str:
        """ffmpeg filters that turn the base frame (RGB, at ``source``) into the atlas.

        They run once per clip, before the loop: one LANCZOS conversion per
        plane scale, chroma centred in its 2×2 block (the view crops say so to
        the scaler), then borders, then the stack.
        """
        scales = range(len(self.slots))
        pictures = [
            f"[still{k}]scale={slot.width}:{slot.height}:flags=lanczos"
            # BT.709 limited range, as H.264 players assume for HD (tagged at the end).
            ":out_color_matrix=bt709:out_range=tv:out_chroma_loc=center,format=yuv420p,"
            f"pad=w=iw+{2 * slot.pad}:h=ih+{2 * slot.pad}:x={slot.pad}:y={slot.pad},"
            f"fillborders=left={slot.pad}:right={slot.pad}:top={slot.pad}:bottom={slot.pad}"
            f":mode=smear,pad=w={self.width}:h=ih:x=0:y=0[picture{k}]"
            for k, slot in zip(scales, self.slots, strict=True)
        ]
        return ";".join(
            [
                f"{source}split={len(scales)}" + "".join(f"[still{k}]" for k in scales),
                *pictures,
                "".join(f"[picture{k}]" for k in scales) + f"vstack=inputs={len(scales)}{output}",
            ]
        )


def _aims(previous: ViewCrop | None) -> tuple[tuple[float, float], tuple[float, float]]:
    """The misses (in pixel pairs) to aim for after ``previous``: its own, fading."""
    if previous is None:
        return (0.0, 0.0), (0.0, 0.0)
    return tuple(  # type: ignore[return-value]
        (FADE * axis.miss / 2, FADE * axis.last_miss / 2) for axis in (previous.x, previous.y)
    )


def _doubled(crop: AxisCrop, origin: int) -> AxisCrop:
    """A fit in pixel pairs as pixels, its start moved to ``origin`` in the atlas."""
    return AxisCrop(
        start=origin + 2 * crop.start,
        length=2 * crop.length,
        scaled=2 * crop.scaled,
        offset=2 * crop.offset,
        miss=2 * crop.miss,
        drift=2 * crop.drift,
    )


def _error(crop: ViewCrop) -> float:
    return max(crop.x.error, crop.y.error)


def base_frame(image: Image.Image, atlas: Atlas) -> Image.Image:
    """The centre of ``image`` at the output's aspect: what every pose is relative to.

    A photo far bigger than the largest picture is first shrunk by a whole
    factor (still twice that picture or more), so the pipe to ffmpeg carries
    tens of megabytes, not hundreds.
    """
    ratio = atlas.output[0] / atlas.output[1]
    box = aspect_box(image.size, ratio)
    biggest = atlas.slots[-1]
    factor = int(min((box[2] - box[0]) / biggest.width, (box[3] - box[1]) / biggest.height) / 2)
    whole = tuple(round(edge) for edge in box)
    if factor >= 2:
        return image.reduce(factor, box=whole)  # type: ignore[arg-type]
    if whole == (0, 0, *image.size):
        return image  # already the output's aspect: no 6 MB copy
    return image.crop(whole)  # type: ignore[arg-type]


def aspect_box(source: tuple[int, int], ratio: float) -> tuple[float, float, float, float]:
    """The centred box of ``source`` with width/height ``ratio`` (the base frame)."""
    src_w, src_h = source
    crop_w, crop_h = (src_h * ratio, src_h) if src_w / src_h > ratio else (src_w, src_w / ratio)
    return ((src_w - crop_w) / 2, (src_h - crop_h) / 2, (src_w + crop_w) / 2, (src_h + crop_h) / 2)


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))
