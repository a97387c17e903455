"""Continuity measured: how hard each seam jumps, how consistent each chain stays.

A seam's jump is the mean absolute difference between the last frame before it
and the first after it, over the median step between neighbouring frames inside
the two clips around it: 1.0 is a seam as smooth as the motion itself. Measured
on the final video, so it is what the viewer sees, on small grey frames (the
jump is about brightness and structure; colour has its own measure, ΔE).

The offline consistency score compares a frame with the input image cheaply: the
overlap of their colour histograms and the correlation of their coarse layouts.
It cannot tell faces apart; the OpenAI score replaces it when a key is set.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

MAX_DRIFT = 6.0
"""ΔE76 of a seed's mean colour from the input's above which a chain is flagged."""
MAX_SEAM_JUMP = 2.0
"""A seam this many times the clips' own median step is visible: flagged."""
MIN_CONSISTENCY = 0.6
_STEP_WIDTH = 160
_STEP_FLOOR = 0.5
"""Median steps below this (out of 255) count as this: a still clip must not turn a
sub-level seam into a huge ratio."""
_HIST_SIDE, _LAYOUT_SIDE = 64, 16


@dataclass(frozen=True)
class Verdict:
    """What a chain's numbers say to the artist: fine, or why it is flagged."""

    reasons: tuple[str, ...]

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)


def judge(drift: float | None, seam_jump: float | None, consistency: float | None) -> Verdict:
    """Flag a chain whose colour drifted, whose seam jumps, or that strays from the input."""
    reasons = []
    if drift is not None and drift > MAX_DRIFT:
        reasons.append(f"colour drifted ΔE {drift:.1f} from the input")
    if seam_jump is not None and seam_jump > MAX_SEAM_JUMP:
        reasons.append(f"its seam jumps {seam_jump:.1f}× the motion")
    if consistency is not None and consistency < MIN_CONSISTENCY:
        reasons.append(f"consistency {consistency:.2f} with the input")
    return Verdict(tuple(reasons))


def frame_steps(video: Path, cancel: CancelToken | None = None) -> list[float]:
    """Mean absolute difference (0–255) between each frame of ``video`` and the next."""
    args = ["-i", str(video), "-vf", f"scale={_STEP_WIDTH}:-2,format=gray"]
    probe = run_ffmpeg([*args, "-frames:v", "1", "-f", "image2pipe", "-c:v", "pgm", "-"])
    width, height = _pgm_size(probe.stdout)
    raw = run_ffmpeg([*args, "-f", "rawvideo", "-"], cancel=cancel).stdout
    size = width * height
    frames = [
        Image.frombytes("L", (width, height), raw[i : i + size])
        for i in range(0, len(raw) - size + 1, size)
    ]
    return [_mean_difference(a, b) for a, b in itertools.pairwise(frames)]


def seam_jumps(steps: Sequence[float], clip_frames: Sequence[int]) -> list[float]:
    """The jump at each seam of a video of clips with ``clip_frames`` frames each, in order."""
    jumps = []
    start = 0
    bounds = []
    for count in clip_frames:
        bounds.append((start, start + count))
        start += count
    for (first, seam), (_, end) in itertools.pairwise(bounds):
        if seam - 1 >= len(steps):
            break
        inside = [steps[i] for i in range(first, min(end - 1, len(steps))) if i != seam - 1]
        typical = max(statistics.median(inside) if inside else 0.0, _STEP_FLOOR)
        jumps.append(round(steps[seam - 1] / typical, 2))
    return jumps


def offline_consistency(frame: Image.Image, reference: Image.Image) -> float:
    """0–1: colour-histogram overlap and coarse-layout correlation of the two images."""
    overlap = _histogram_overlap(frame, reference)
    layout = max(0.0, _layout_correlation(frame, reference))
    return round(0.5 * overlap + 0.5 * layout, 2)


def _histogram_overlap(a: Image.Image, b: Image.Image) -> float:
    def histogram(image: Image.Image) -> list[float]:
        small = image.convert("RGB").resize((_HIST_SIDE, _HIST_SIDE), Image.Resampling.BILINEAR)
        # 4 levels a channel: 64 colour bins, coarse enough to ignore noise and grain
        counts = small.quantize(palette=_palette(), dither=Image.Dither.NONE).histogram()[:64]
        total = sum(counts) or 1
        return [c / total for c in counts]

    return sum(min(x, y) for x, y in zip(histogram(a), histogram(b), strict=True))


def _palette() -> Image.Image:
    levels = (32, 96, 160, 224)
    colours = [c for r in levels for g in levels for b in levels for c in (r, g, b)]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours + [0] * (768 - len(colours)))
    return palette


def _layout_correlation(a: Image.Image, b: Image.Image) -> float:
    side = (_LAYOUT_SIDE, _LAYOUT_SIDE)
    xs = list(a.convert("L").resize(side, Image.Resampling.BOX).tobytes())
    ys = list(b.convert("L").resize(side, Image.Resampling.BOX).tobytes())
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return 1.0 if xs == ys else 0.0
    return statistics.correlation(xs, ys)


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]


def _pgm_size(data: bytes) -> tuple[int, int]:
    fields = data.split(maxsplit=3)
    return int(fields[1]), int(fields[2])
