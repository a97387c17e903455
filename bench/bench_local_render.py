"""Local Preview render speed against ffmpeg's own zoompan, measured in the same run.

Both render a 720p, 5 s, 25 fps push-in of the same detailed 1920x1080 image to
H.264. zoompan (with -preset ultrafast) is the quick-and-jittery baseline: it
snaps the crop to whole pixels, which is why we do not use it. The ratio
(ours / baseline, in frames per second) is what to watch, both of the best
runs and as the median of interleaved pairs; the target is >= 1.0 for both.
Runs are interleaved so both see the same background load; CPU ms per frame
(this process plus ffmpeg, best and median) are printed too. Ours includes
everything a Local Preview clip costs: decoding the still, finding its
subject (the push-in aims at it), planning and fitting the crops.

Run: .venv/bin/python bench/bench_local_render.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from scenemaker_desktop.engine.backends.base import ClipJob
from scenemaker_desktop.engine.backends.local import LocalPreviewGenerator
from scenemaker_desktop.engine.backends.local_render import X264_PRESET
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg
from scenemaker_desktop.engine.media.probe import probe

WIDTH, HEIGHT, SECONDS, FPS = 1280, 720, 5, 25
FRAMES = SECONDS * FPS
TARGET = 1.0


def detailed_image(path: Path, size: tuple[int, int] = (1920, 1080)) -> None:
    """Noise, two gradients and a few hundred outlined shapes: hard on encoders and scalers."""
    rnd = random.Random(7)
    w, h = size
    red = Image.linear_gradient("L").resize(size)
    green = Image.linear_gradient("L").rotate(90).resize(size)
    image = Image.merge("RGB", (red, green, Image.effect_noise(size, 60)))
    draw = ImageDraw.Draw(image)
    for _ in range(300):
        x, y, s = rnd.randrange(w), rnd.randrange(h), rnd.randrange(8, w // 10)
        colour = tuple(rnd.randrange(256) for _ in range(3))
        shape = draw.ellipse if rnd.random() < 0.5 else draw.rectangle
        shape((x, y, x + s, y + s), fill=colour, outline=(0, 0, 0), width=2)
    image.filter(ImageFilter.SHARPEN).save(path)


def zoompan_baseline(image: Path, output: Path) -> None:
    # Same push as ours at strength 0.5 (zoom 1 -> ~1.22), linear, whole-pixel crops.
    step = 0.225 / FRAMES
    graph = (
        f"zoompan=z='min(zoom+{step:.6f},1.225)':d={FRAMES}"
        ":x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
        f":s={WIDTH}x{HEIGHT}:fps={FPS}"
    )
    encode = ["-frames:v", str(FRAMES), "-c:v", "libx264", "-preset", "ultrafast"]
    encode += ["-pix_fmt", "yuv420p"]
    run_ffmpeg(["-y", "-i", str(image), "-vf", graph, *encode, str(output)])


def local_preview(image: Path, output: Path) -> None:
    params = {
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "duration": SECONDS,
        "fps": FPS,
        "camera_move": "push_in",
        "motion_strength": 0.5,
    }
    job = ClipJob(0, "push in", image, image, params, output, action="push in")
    generator = LocalPreviewGenerator()
    request = generator.submit(job, CancelToken())
    generator.wait(request, job, lambda _progress: None, CancelToken())


@dataclass
class Timing:
    wall_s: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)

    def fps(self) -> float:
        return FRAMES / min(self.wall_s)

    def cpu_ms(self) -> tuple[float, float]:
        """(best, median) CPU milliseconds per frame."""
        per_frame = [cpu / FRAMES * 1000 for cpu in self.cpu_s]
        return min(per_frame), statistics.median(per_frame)


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(render: Callable[[Path, Path], None], image: Path, output: Path, timing: Timing) -> None:
    cpu = _cpu_seconds()
    started = time.perf_counter()
    render(image, output)
    timing.wall_s.append(time.perf_counter() - started)
    timing.cpu_s.append(_cpu_seconds() - cpu)
    info = probe(output)
    assert (info.width, info.height, info.frame_count) == (WIDTH, HEIGHT, FRAMES), info


def report(baseline: Timing, ours: Timing, size_ratio: float, repeat: int) -> None:
    print(f"render {WIDTH}x{HEIGHT}, {SECONDS} s at {FPS} fps, best of {repeat}, interleaved")
    print(f"{'':42s} {'best fps':>9s} {'CPU ms/frame best':>18s} {'median':>7s}")
    for name, timing in (
        ("zoompan + x264 ultrafast (baseline)", baseline),
        (f"LocalPreviewGenerator (x264 {X264_PRESET})", ours),
    ):
        best, median = timing.cpu_ms()
        print(f"{name:42s} {timing.fps():9.1f} {best:18.1f} {median:7.1f}")
    ratio = ours.fps() / baseline.fps()
    pairs = statistics.median(
        base / own for base, own in zip(baseline.wall_s, ours.wall_s, strict=True)
    )
    cpu_ratio = baseline.cpu_ms()[0] / ours.cpu_ms()[0]
    print(f"fps ratio local/baseline (best runs): {ratio:.2f}")
    print(f"fps ratio local/baseline (median of interleaved pairs): {pairs:.2f}")
    print(f"CPU ratio baseline/local (best runs): {cpu_ratio:.2f}")
    print(f"file size ratio local/baseline: {size_ratio:.2f}")
    verdict = "PASS" if min(ratio, pairs) >= TARGET else "MISS"
    print(f"{verdict}: fps ratios {ratio:.3f} (best), {pairs:.3f} (pairs) against {TARGET:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    baseline, ours = Timing(), Timing()
    with tempfile.TemporaryDirectory(prefix="bench-local-") as tmp:
        folder = Path(tmp)
        image = folder / "detailed.png"
        detailed_image(image)
        # Interleaved, so both see the same background load on a shared machine.
        for _ in range(args.repeat):
            timed(zoompan_baseline, image, folder / "zoompan.mp4", baseline)
            timed(local_preview, image, folder / "local.mp4", ours)
        size_ratio = (folder / "local.mp4").stat().st_size / (folder / "zoompan.mp4").stat().st_size
    report(baseline, ours, size_ratio, args.repeat)


if __name__ == "__main__":
    main()
