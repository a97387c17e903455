"""Final-video assembly speed against a plain ffmpeg stream-copy concat, in the same run.

Three 720p, 5 s, 24 fps H.264 clips (encoded like Local Preview's: libx264
ultrafast, crf 20, +faststart) are joined four ways:
- baseline: ``ffmpeg -f concat -safe 0 -i list -c copy`` straight from subprocess;
- FAST seams: ``assemble(..., SeamMode.FAST)`` (stream copy plus our checks);
- EXACT seams: each clip cut 3 frames early (a smart cut: these clips have no
  B-frames, so every frame is a clean cut and nothing is re-encoded);
- EXACT + crossfade 0.5 s: the same, with xfade between clips (one whole encode).
Times are the best of --repeat runs. Targets: FAST / baseline <= 2x; crossfade
encodes exactly once. bench_postprocess.py measures EXACT on clips with B-frames.

Run: .venv/bin/python bench/bench_assembly.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from scenemaker_desktop.engine.media import ClipCut, SeamMode, assemble, probe
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, run_ffmpeg

WIDTH, HEIGHT, SECONDS, FPS = 1280, 720, 5, 24
SOURCES = ("testsrc2", "smptehdbars", "rgbtestsrc")
TAGS = "format=yuv420p,setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"


def make_clips(folder: Path) -> list[Path]:
    clips = []
    for number, source in enumerate(SOURCES, start=1):
        path = folder / f"clip{number}.mp4"
        # a fixed noise texture under the moving pattern keeps the encoder honest
        # (flat test patterns compress to nothing) at a Local-Preview-like bitrate;
        # the BT.709 tags match Local Preview's, and make the sources' differing
        # colour tags equal so the clips can be stream-copied together
        graph = f"{source}=s={WIDTH}x{HEIGHT}:r={FPS}:d={SECONDS},noise=alls=8,{TAGS}"
        args = ["-y", "-f", "lavfi", "-i", graph, "-c:v", "libx264", "-preset", "ultrafast"]
        args += ["-crf", "20", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)]
        run_ffmpeg(args)
        clips.append(path)
    return clips


def best_of(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def baseline(clips: list[Path], folder: Path) -> Callable[[], object]:
    listing = folder / "list.txt"
    listing.write_text("".join(f"file '{clip}'\n" for clip in clips))
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y"]
    cmd += ["-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy"]
    cmd += [str(folder / "baseline.mp4")]
    return lambda: subprocess.run(cmd, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory(prefix="bench-assembly-") as tmp:
        folder = Path(tmp)
        clips = make_clips(folder)
        frames = probe(clips[0]).frame_count
        whole = [ClipCut(clip) for clip in clips]
        cut = [ClipCut(clip, frames - 3) for clip in clips]
        runs = {
            "baseline concat -c copy": baseline(clips, folder),
            "FAST seams": lambda: assemble(whole, folder / "fast.mp4", SeamMode.FAST),
            "EXACT seams": lambda: assemble(cut, folder / "exact.mp4"),
            "EXACT + 0.5 s crossfade": lambda: assemble(cut, folder / "xf.mp4", crossfade=0.5),
        }
        megabytes = sum(clip.stat().st_size for clip in clips) / len(clips) / 1e6
        print(f"3 clips, {WIDTH}x{HEIGHT}, {SECONDS} s, {FPS} fps, {megabytes:.1f} MB each")
        print(f"best of {repeat} runs")
        print(
            f"{'mode':<26}{'seconds':>9}{'x baseline':>12}{'encodes':>9}{'frames':>8}{'encoded':>9}"
        )
        base = None
        for name, run in runs.items():
            seconds, result = best_of(repeat, run)
            base = base or seconds
            encodes = getattr(result, "encodes", "-")
            count = getattr(result, "frame_count", "-")
            encoded = getattr(result, "encoded_frames", "-")
            print(
                f"{name:<26}{seconds:>9.3f}{seconds / base:>12.2f}{encodes!s:>9}{count!s:>8}"
                f"{encoded!s:>9}"
            )


if __name__ == "__main__":
    main()
