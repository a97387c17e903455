"""The still, prepared once inside ffmpeg: every Y'CbCr plane it needs, in one grey image.

Python sends the base frame (the still centre-cropped to the output aspect)
once; ``Atlas.graph`` has ffmpeg convert it to BT.709 limited-range Y'CbCr
and resize it with LANCZOS into a luma plane and two half-size chroma
planes, each at the two ``PLANE_SCALES``. Every plane gets a border of its
own edge pixels smeared outwards (a crop may start a little outside the
picture) and the planes are stacked into one grey image, the atlas, which
ffmpeg loops. ``PlaneSet.view`` says which whole-pixel crop of the atlas
shows a pose (``view_fit``).

Planes are prepared for the clip's largest zoom, so no frame magnifies the
LANCZOS-resampled still.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from scenemaker_desktop.engine.backends.camera import CameraPose
from scenemaker_desktop.engine.backends.view_fit import (
    CLOSE_ENOUGH,
    PLANE_SCALES,
    AxisCrop,
    fit_axis,
    padding,
)


@dataclass(frozen=True)
class ViewCrop:
    """The atlas crop, scaled size and offsets that show one plane of one frame."""

    x: AxisCrop
    y: AxisCrop


@dataclass(frozen=True)
class PlaneSlot:
    """One prepared plane in the atlas: its size and where its picture starts."""

    width: int
    height: int
    pad: int
    top: int
    """Atlas row of the plane's first picture row (its smeared border lies above)."""


@dataclass(frozen=True)
class PlaneSet:
    """One kind of plane (luma, or one chroma channel) at each of the plane scales."""

    output: tuple[int, int]
    slots: tuple[PlaneSlot, ...]
    chroma: bool

    def view(self, pose: CameraPose) -> ViewCrop:
        """The crop of whichever slot shows ``pose`` closest to where it belongs."""
        best: ViewCrop | None = None
        for slot in self.slots:
            crop = self._fit(slot, pose)
            if best is None or _error(crop) < _error(best):
                best = crop
            if _error(best) <= 2 * self._close_enough:  # far below what H.264 keeps
                break
        assert best is not None
        return best

    def _fit(self, slot: PlaneSlot, pose: CameraPose) -> ViewCrop:
        x0, y0, x1, y1 = pose.crop_box(slot.width, slot.height)
        scale_x, scale_y = (x1 - x0) / self.output[0], (y1 - y0) / self.output[1]
        if self.chroma:
            # H.264's default chroma siting is "left": each chroma sample sits on an
            # even luma column, a quarter of an output chroma pixel left of the centre.
            x0 -= scale_x / 4
        x = fit_axis(x0 + slot.pad, scale_x, self.output[0], self._close_enough)
        y = fit_axis(y0 + slot.pad, scale_y, self.output[1], self._close_enough)
        return ViewCrop(x, replace(y, start=y.start + slot.top - slot.pad))

    @property
    def _close_enough(self) -> float:
        # Chroma is half resolution and soft: a sixteenth of its pixel is an
        # eighth of a luma pixel, invisible in colour, and the search is shorter.
        return 1 / 16 if self.chroma else CLOSE_ENOUGH

    def shifted(self, rows: int) -> PlaneSet:
        """The same planes ``rows`` further down the atlas (Cr below Cb)."""
        slots = tuple(replace(slot, top=slot.top + rows) for slot in self.slots)
        return replace(self, slots=slots)


def _error(crop: ViewCrop) -> float:
    return max(crop.x.error, crop.y.error)


@dataclass(frozen=True)
class Atlas:
    """Where every plane goes in the grey image ffmpeg loops; ``graph`` fills it."""

    luma: PlaneSet
    blue: PlaneSet
    red: PlaneSet
    width: int
    height: int

    @classmethod
    def plan(cls, size: tuple[int, int], zooms: tuple[float, float]) -> Atlas:
        """The layout for frames of ``size`` whose poses zoom within ``zooms``."""
        width, height = size
        low, high = max(min(zooms), 1.0), max(max(zooms), 1.0)
        luma_sizes = [(_even(width * high * k), _even(height * high * k)) for k in PLANE_SCALES]
        half = (max(1, width // 2), max(1, height // 2))
        luma, top = _stack(luma_sizes, size, low, 0)
        blue, bottom = _stack([(w // 2, h // 2) for w, h in luma_sizes], half, low, top)
        stack_width = max(s.width + 2 * s.pad for s in (*luma, *blue))
        return cls(
            luma=PlaneSet(size, luma, chroma=False),
            blue=PlaneSet(half, blue, chroma=True),
            red=PlaneSet(half, blue, chroma=True).shifted(bottom - top),
            width=stack_width,
            height=2 * bottom - top,
        )

    def views(self, pose: CameraPose) -> tuple[ViewCrop, ViewCrop, ViewCrop]:
        """The luma, Cb and Cr crops of one frame (Cr is Cb's crop, further down)."""
        blue = self.blue.view(pose)
        rows = self.red.slots[0].top - self.blue.slots[0].top
        red = replace(blue, y=replace(blue.y, start=blue.y.start + rows))
        return self.luma.view(pose), blue, red

    def graph(self, source: str, output: str) -> str:
        """ffmpeg filters that turn the base frame (RGB, at ``source``) into the atlas.

        They run once per clip, before the loop: one LANCZOS conversion to
        yuv420p per plane scale (chroma centred in its 2×2 block, the way the
        crops read it), then borders, then the stack. ffmpeg's scaler does in
        ~15 ms what took Pillow ~80.
        """
        scales = range(len(PLANE_SCALES))
        kinds = (("luma", self.luma), ("blue", self.blue), ("red", self.red))
        converts = [
            f"[still{k}]scale={self.luma.slots[k].width}:{self.luma.slots[k].height}"
            # BT.709 limited range, as H.264 players assume for HD (tagged at the end).
            ":flags=lanczos:out_color_matrix=bt709:out_range=tv:out_chroma_loc=center,"
            f"format=yuv420p,extractplanes=y+u+v[still_luma{k}][still_blue{k}][still_red{k}]"
            for k in scales
        ]
        planes = [
            _plane(f"[still_{name}{k}]", plane_set.slots[k], self.width, f"[still_{name}{k}s]")
            for name, plane_set in kinds
            for k in scales
        ]
        stack = "".join(f"[still_{name}{k}s]" for name, _ in kinds for k in scales)
        return ";".join(
            [
                f"{source}split={len(scales)}" + "".join(f"[still{k}]" for k in scales),
                *converts,
                *planes,
                f"{stack}vstack=inputs={len(kinds) * len(scales)}{output}",
            ]
        )


def _plane(source: str, slot: PlaneSlot, width: int, output: str) -> str:
    """One plane: its edges smeared outwards, then widened to the atlas."""
    pad = slot.pad
    return (
        f"{source}pad=w=iw+{2 * pad}:h=ih+{2 * pad}:x={pad}:y={pad},"
        f"fillborders=left={pad}:right={pad}:top={pad}:bottom={pad}:mode=smear,"
        f"pad=w={width}:h=ih:x=0:y=0{output}"
    )


def base_frame(image: Image.Image, atlas: Atlas) -> Image.Image:
    """The centre of ``image`` at the output's aspect: what every pose is relative to.

    A photo far bigger than the largest plane is first shrunk by a whole
    factor (still twice that plane or more), so the pipe to ffmpeg carries
    tens of megabytes, not hundreds.
    """
    ratio = atlas.luma.output[0] / atlas.luma.output[1]
    box = aspect_box(image.size, ratio)
    biggest = atlas.luma.slots[-1]
    factor = int(min((box[2] - box[0]) / biggest.width, (box[3] - box[1]) / biggest.height) / 2)
    whole = tuple(round(edge) for edge in box)
    if factor >= 2:
        return image.reduce(factor, box=whole)  # type: ignore[arg-type]
    if whole == (0, 0, *image.size):
        return image  # already the output's aspect: no 6 MB copy
    return image.crop(whole)  # type: ignore[arg-type]


def _stack(
    sizes: list[tuple[int, int]], output: tuple[int, int], low_zoom: float, top: int
) -> tuple[tuple[PlaneSlot, ...], int]:
    """Slots for planes of ``sizes`` stacked from atlas row ``top``; and the row after them."""
    slots = []
    for width, height in sizes:
        # The widest view (the smallest zoom) has the most source pixels per output pixel.
        scale = max(width / output[0], height / output[1]) / low_zoom
        pad = padding(scale)
        slots.append(PlaneSlot(width, height, pad, top + pad))
        top += height + 2 * pad
    return tuple(slots), top


def aspect_box(source: tuple[int, int], ratio: float) -> tuple[float, float, float, float]:
    """The centred box of ``source`` with width/height ``ratio`` (the base frame)."""
    src_w, src_h = source
    crop_w, crop_h = (src_h * ratio, src_h) if src_w / src_h > ratio else (src_w, src_w / ratio)
    return ((src_w - crop_w) / 2, (src_h - crop_h) / 2, (src_w + crop_w) / 2, (src_h + crop_h) / 2)


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))
