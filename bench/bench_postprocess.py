"""Post-processing speed and fidelity: seed frames plus exact assembly, three ways, same run.

Three 1280x720, 5 s, 24 fps H.264 clips with a fixed noise texture (so the
encoder works honestly), encoded like a cloud clip: libx264 preset fast, crf 20,
B-frames, a keyframe every --keyint frames (48 = 2 s, the default; 250 = one
keyframe per clip). Each pipeline chooses seed frames for clips 1..n-1, cuts
there and joins the clips into one video:
- old: the old pipeline's commands as plain ffmpeg runs: per cut clip, extract
  its last frame (the seed), trim it there re-encoding with
  ``libx264 -preset fast -crf 18``; then concat and re-encode everything with
  ``-preset slow -crf 18``;
- previous: this app before the smart cut (best_seed_frame decoding whole clips,
  EXACT encoding the whole video once, crf 18 veryfast);
- ours: ``best_seed_frame`` (tail-only decode) then ``assemble(..., EXACT)``.
Rounds run the three in turn; times are the best (and median) of --repeat
rounds. Fidelity: PSNR of each final video against the source frames it keeps
(decoded), average over all frames and the worst frame. Targets: old / ours
>= 6x; ours' PSNR >= old's.

Run: .venv/bin/python bench/bench_postprocess.py [--repeat 3] [--keyint 48]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the reference seed choice lives with the test fixtures

from scenemaker_desktop.engine.media import (  # noqa: E402
    ClipCut,
    assemble,
    best_seed_frame,
    extract_frame,
    probe,
)
from scenemaker_desktop.engine.media.assemble import _assemble_exact  # noqa: E402
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, run_ffmpeg  # noqa: E402
from scenemaker_desktop.engine.media.packets import packets  # noqa: E402
from tests.engine.media_fixtures import seed_by_whole_decode  # noqa: E402

WIDTH, HEIGHT, SECONDS, FPS = 1280, 720, 5, 24
SOURCES = ("testsrc2", "smptehdbars", "rgbtestsrc")
TAGS = "format=yuv420p,setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"
_PSNR = re.compile(r"PSNR .*average:(?P<avg>[\d.]+|inf) min:(?P<min>[\d.]+|inf)")


@dataclass(frozen=True)
class Final:
    """One pipeline's output: the video and, per clip, how many frames it keeps (None: all)."""

    path: Path
    kept: list[int | None]
    encoded_frames: int | str = "all"


def make_clips(folder: Path, keyint: int) -> list[Path]:
    clips = []
    for number, source in enumerate(SOURCES, start=1):
        path = folder / f"clip{number}.mp4"
        graph = f"{source}=s={WIDTH}x{HEIGHT}:r={FPS}:d={SECONDS},noise=alls=8,{TAGS}"
        args = ["-y", "-f", "lavfi", "-i", graph, "-c:v", "libx264", "-preset", "fast"]
        args += ["-crf", "20", "-g", str(keyint), "-pix_fmt", "yuv420p"]
        run_ffmpeg([*args, "-movflags", "+faststart", str(path)])
        clips.append(path)
    return clips


def ours(clips: list[Path], folder: Path) -> Final:
    seeds = [best_seed_frame(clip, folder / f"seed{k}.png") for k, clip in enumerate(clips[:-1])]
    kept: list[int | None] = [seed.index for seed in seeds] + [None]
    cuts = [ClipCut(clip, end) for clip, end in zip(clips, kept, strict=True)]
    result = assemble(cuts, folder / "ours.mp4")
    return Final(result.path, kept, result.encoded_frames)


def previous(clips: list[Path], folder: Path) -> Final:
    seeds = [previous_seed(clip, folder / f"p{k}.png") for k, clip in enumerate(clips[:-1])]
    kept: list[int | None] = [*seeds, None]
    cuts = [ClipCut(clip, end) for clip, end in zip(clips, kept, strict=True)]
    # the whole-video encode EXACT did before the smart cut (now its fallback)
    result = _assemble_exact(cuts, folder / "previous.mp4", 0.0, None, lambda _fraction: None)
    return Final(result.path, kept)


def previous_seed(clip: Path, dest: Path, lookback: int = 8) -> int:
    """best_seed_frame as it was: score the tail after decoding the whole clip, extract."""
    index, _ = seed_by_whole_decode(clip, lookback)
    extract_frame(clip, index, dest)
    return index


def old(clips: list[Path], folder: Path) -> Final:
    ff = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    kept: list[int | None] = []
    parts = []
    for k, clip in enumerate(clips[:-1]):
        count = probe(clip).frame_count
        # the old seed: the clip's last frame, which the next clip starts from
        last = [*ff, "-sseof", "-0.1", "-i", str(clip), "-update", "1", "-frames:v", "1"]
        subprocess.run([*last, str(folder / f"last{k}.png")], check=True)
        trim = f"trim=end_frame={count - 1},setpts=PTS-STARTPTS"
        part = folder / f"trim{k}.mp4"
        encode = ["-c:v", "libx264", "-preset", "fast", "-crf", "18", "-pix_fmt", "yuv420p"]
        subprocess.run([*ff, "-i", str(clip), "-vf", trim, *encode, "-an", str(part)], check=True)
        kept.append(count - 1)
        parts.append(part)
    listing = folder / "old.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in [*parts, clips[-1]]))
    final = folder / "old.mp4"
    join = ["-f", "concat", "-safe", "0", "-i", str(listing), "-c:v", "libx264"]
    join += ["-preset", "slow", "-crf", "18", "-pix_fmt", "yuv420p", "-an", str(final)]
    subprocess.run([*ff, *join], check=True)
    return Final(final, [*kept, None])


def psnr(final: Final, clips: list[Path]) -> tuple[str, str]:
    """PSNR (average, worst frame) of ``final`` against the source frames it keeps."""
    args = ["-i", str(final.path)]
    chains = []
    for k, (clip, end) in enumerate(zip(clips, final.kept, strict=True)):
        args += ["-i", str(clip)]
        trim = f"trim=end_frame={end}," if end is not None else ""
        chains.append(f"[{k + 1}:v]{trim}setpts=PTS-STARTPTS[r{k}]")
    labels = "".join(f"[r{k}]" for k in range(len(clips)))
    chains.append(f"{labels}concat=n={len(clips)}:v=1:a=0,settb=1/{FPS},setpts=N[ref]")
    chains.append(f"[0:v]settb=1/{FPS},setpts=N[got];[got][ref]psnr")
    result = run_ffmpeg([*args, "-filter_complex", ";".join(chains), "-f", "null", "-"])
    match = _PSNR.search(result.stderr.decode("utf-8", "replace"))
    return (match.group("avg"), match.group("min")) if match else ("?", "?")


def checks(final: Final, clips: list[Path]) -> str:
    """Frame count as planned, dts rising, and a decode without a single error message."""
    expected = sum(
        probe(c).frame_count if k is None else k for c, k in zip(clips, final.kept, strict=True)
    )
    stream = packets(final.path)
    dts = [packet.dts for packet in stream.packets]
    decoded = run_ffmpeg(["-v", "error", "-i", str(final.path), "-f", "null", "-"])
    problems = []
    if stream.frame_count != expected:
        problems.append(f"{stream.frame_count} frames, planned {expected}")
    if any(a >= b for a, b in itertools.pairwise(dts)):
        problems.append("dts not rising")
    if decoded.stderr.strip():
        problems.append("decode errors")
    return "; ".join(problems) or "ok"


def timed(run: Callable[[], Final]) -> tuple[float, Final]:
    start = time.perf_counter()
    final = run()
    return time.perf_counter() - start, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keyint", type=int, default=48)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-postprocess-") as tmp:
        folder = Path(tmp)
        clips = make_clips(folder, options.keyint)
        pipelines = {"old": old, "previous": previous, "ours": ours}
        times: dict[str, list[float]] = {name: [] for name in pipelines}
        finals: dict[str, Final] = {}
        for _ in range(options.repeat):
            for name, run in pipelines.items():
                seconds, finals[name] = timed(lambda run=run: run(clips, folder))
                times[name].append(seconds)
        report(clips, options, times, finals)


def report(
    clips: list[Path],
    options: argparse.Namespace,
    times: dict[str, list[float]],
    finals: dict[str, Final],
) -> None:
    megabytes = sum(clip.stat().st_size for clip in clips) / len(clips) / 1e6
    print(f"3 clips, {WIDTH}x{HEIGHT}, {SECONDS} s, {FPS} fps, libx264 fast crf 20 with B-frames,")
    print(
        f"keyframe every {options.keyint} frames, {megabytes:.1f} MB each; {options.repeat} rounds"
    )
    head = f"{'pipeline':<10}{'best s':>8}{'median s':>10}{'old/this':>10}{'frames':>8}"
    print(head + f"{'encoded':>9}{'PSNR avg':>10}{'PSNR min':>10}  checks")
    best_old = min(times["old"])
    for name, final in finals.items():
        best, median = min(times[name]), statistics.median(times[name])
        average, worst = psnr(final, clips)
        frames = packets(final.path).frame_count
        print(
            f"{name:<10}{best:>8.2f}{median:>10.2f}{best_old / best:>10.2f}{frames:>8}"
            f"{final.encoded_frames!s:>9}{average:>10}{worst:>10}  {checks(final, clips)}"
        )


if __name__ == "__main__":
    main()
