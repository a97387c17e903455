"""Join a session's clips into one video.

Two seam modes:
- EXACT keeps each clip's frames up to its seed frame, so no frame is
  repeated at a seam. When the clips are one H.264 stream in all but timing
  (the usual case: one model, one session), each is stream-copied up to the
  last point before its cut that decodes on its own and only the few frames
  after it are encoded (``smart_cut``): the kept frames stay bit-exact. Otherwise,
  and for crossfades, the whole result is encoded once (libx264), with clips
  from different models normalised to the first clip's size and rate.
- FAST copies whole clips back to back without re-encoding (concat demuxer),
  which needs identical stream parameters; when they differ we fall back to
  EXACT on whole clips, so the result matches what FAST would have shown.

The filter graph is written out by hand rather than with ffmpeg-python: that
library merges identical nodes, so a clip used twice would be wired into the
graph once and ffmpeg would reject the graph.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass
from fractions import Fraction
from pathlib import Path

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError, ValidationError
from scenemaker_desktop.engine.media.concat import concat_list, file_line, stream_shapes
from scenemaker_desktop.engine.media.cuts import CRF, PRESET, ClipCut, frames_kept
from scenemaker_desktop.engine.media.ffmpeg_bin import (
    atomic_output,
    read_headers,
    run_ffmpeg,
    run_ffmpeg_progress,
)
from scenemaker_desktop.engine.media.probe import VideoInfo, probe
from scenemaker_desktop.engine.media.smart_cut import join_by_copy

__all__ = ["CRF", "PRESET", "AssemblyResult", "ClipCut", "SeamMode", "assemble"]

_FRAMES = re.compile(rb"frame=\s*(\d+)")


class SeamMode(enum.Enum):
    """How clips meet: cut right before the seed frame, or copy whole clips."""

    EXACT = "exact"
    FAST = "fast"


@dataclass(frozen=True)
class AssemblyResult:
    """The final video.

    ``encodes`` counts libx264 runs (0 for a pure stream copy, one per seam tail
    for smart cuts, 1 for a whole encode); ``encoded_frames`` counts the frames
    that went through them, the rest being the clips' own, copied bit for bit.
    """

    path: Path
    frame_count: int
    duration: float
    encodes: int
    encoded_frames: int


def assemble(
    clips: Sequence[ClipCut],
    dest: Path,
    mode: SeamMode = SeamMode.EXACT,
    crossfade: float = 0.0,
    cancel: CancelToken | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> AssemblyResult:
    """Write ``clips`` as one H.264 mp4 at ``dest`` (atomically; nothing is left on failure).

    ``crossfade`` (seconds, EXACT only) blends each clip into the next; the
    result is shorter by one crossfade per seam. ``on_progress`` gets 0..1.
    """
    mode = SeamMode(mode)  # also takes "exact" / "fast" as stored in settings
    _check_inputs(clips, crossfade)
    if mode is SeamMode.FAST and crossfade > 0:
        raise ValidationError("crossfade needs exact seams: choose exact seams or no crossfade")
    if cancel is not None:
        cancel.raise_if_cancelled()
    report = on_progress or (lambda _fraction: None)
    if mode is SeamMode.FAST:
        result = _assemble_fast(clips, Path(dest), cancel)
        if result is not None:
            report(1.0)
            return result
        clips = [ClipCut(clip.path) for clip in clips]
    elif crossfade == 0:
        joined = join_by_copy(clips, Path(dest), cancel, report)
        if joined is not None:
            report(1.0)
            return AssemblyResult(Path(dest), *astuple(joined))
    return _assemble_exact(clips, Path(dest), crossfade, cancel, report)


def _check_inputs(clips: Sequence[ClipCut], crossfade: float) -> None:
    if not clips:
        raise MediaError("nothing to assemble: no clips were given")
    for clip in clips:
        path = Path(clip.path)
        if not path.is_file():
            raise MediaError(f"clip not found: {path}")
        if path.stat().st_size == 0:
            raise MediaError(f"clip is empty: {path.name}")
    if crossfade < 0:
        raise ValidationError(f"crossfade must be 0 or more seconds, got {crossfade:g}")


# --- FAST: stream copy --------------------------------------------------------


def _assemble_fast(
    clips: Sequence[ClipCut], dest: Path, cancel: CancelToken | None
) -> AssemblyResult | None:
    """Concatenate by stream copy, or return None when the clips cannot be copied together."""
    paths = [Path(clip.path) for clip in clips]
    shapes = stream_shapes(read_headers(paths), paths)
    if len(set(shapes)) != 1 or shapes[0].fps <= 0:
        return None
    lines = [file_line(path) for path in paths]
    with atomic_output(dest) as tmp, concat_list(lines, dest) as listing:
        args = ["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0:v:0"]
        args += ["-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(tmp)]
        done = run_ffmpeg(args, cancel=cancel)
    # ffmpeg's final "frame=" counts copied packets: one per frame for H.264 clips
    counts = _FRAMES.findall(done.stderr)
    frames = int(counts[-1]) if counts else probe(dest).frame_count
    duration = frames / float(_frame_rate(shapes[0].fps))
    return AssemblyResult(dest, frames, duration, encodes=0, encoded_frames=0)


# --- EXACT, whole: one encode --------------------------------------------------------


@dataclass(frozen=True)
class _Piece:
    """One clip as it enters the graph: its probe, frames kept, and kept seconds."""

    info: VideoInfo
    kept: int

    @property
    def duration(self) -> float:
        return self.kept / float(_frame_rate(self.info.fps))


def _assemble_exact(
    clips: Sequence[ClipCut],
    dest: Path,
    crossfade: float,
    cancel: CancelToken | None,
    report: Callable[[float], None],
) -> AssemblyResult:
    pieces = []
    for number, clip in enumerate(clips, start=1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        pieces.append(_piece(number, clip))
    if len(pieces) < 2:
        crossfade = 0.0
    _check_crossfade(pieces, crossfade)
    graph = _filter_graph(pieces, crossfade)
    total = sum(p.duration for p in pieces) - (len(pieces) - 1) * crossfade
    args = ["-y"]
    for clip in clips:
        args += ["-i", str(clip.path)]
    args += ["-filter_complex", graph, "-map", "[out]", "-an", "-c:v", "libx264"]
    args += ["-preset", PRESET, "-crf", str(CRF), "-movflags", "+faststart", "-f", "mp4"]
    with atomic_output(dest) as tmp:
        run_ffmpeg_progress(
            [*args, str(tmp)],
            on_time=lambda seconds: report(min(seconds / total, 0.99)),
            cancel=cancel,
        )
        made = probe(tmp)
    report(1.0)
    rate = float(_frame_rate(pieces[0].info.fps))
    count = made.frame_count
    return AssemblyResult(dest, count, count / rate, encodes=1, encoded_frames=count)


def _piece(number: int, clip: ClipCut) -> _Piece:
    info = probe(clip.path)
    kept = frames_kept(number, clip, info.frame_count)
    if info.fps <= 0:
        raise MediaError(f"cannot read the frame rate of clip {number} ({Path(clip.path).name})")
    return _Piece(info, kept)


def _check_crossfade(pieces: Sequence[_Piece], crossfade: float) -> None:
    if crossfade <= 0:
        return
    shortest = min(p.duration for p in pieces)
    if crossfade >= shortest:
        raise ValidationError(
            f"crossfade of {crossfade:g} s is too long: the shortest clip lasts {shortest:.2f} s"
        )


def _filter_graph(pieces: Sequence[_Piece], crossfade: float) -> str:
    """The filtergraph that turns inputs 0..n-1 into one stream labelled [out]."""
    first = pieces[0].info
    size = (_even(first.width), _even(first.height))
    rate = _frame_rate(first.fps)
    chains = [_normalise(k, p, size, rate, crossfade > 0) for k, p in enumerate(pieces)]
    labels = [f"[v{k}]" for k in range(len(pieces))]
    if crossfade > 0:
        chains += _xfade_chain(labels, [p.duration for p in pieces], crossfade)
    else:
        chains.append(f"{''.join(labels)}concat=n={len(labels)}:v=1:a=0[joined]")
    chains.append("[joined]format=yuv420p[out]")
    return ";".join(chains)


def _normalise(
    index: int, piece: _Piece, size: tuple[int, int], rate: Fraction, crossfade: bool
) -> str:
    info = piece.info
    steps = []
    if piece.kept < info.frame_count:
        steps.append(f"trim=end_frame={piece.kept}")
    steps.append("setpts=PTS-STARTPTS")
    if _frame_rate(info.fps) != rate:
        steps.append(f"fps={rate.numerator}/{rate.denominator}")
    elif crossfade:
        # xfade insists on equal time bases, and clips from different muxers rarely share one
        steps.append(f"settb={rate.denominator}/{rate.numerator}")
    if (info.width, info.height) != size:
        width, height = size
        steps.append(
            f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2"
        )
        steps.append(f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2")
    steps.append("setsar=1")
    return f"[{index}:v:0]{','.join(steps)}[v{index}]"


def _xfade_chain(labels: Sequence[str], durations: Sequence[float], fade: float) -> list[str]:
    """Blend the labelled streams in order; the output starts each fade ``fade`` s early."""
    chains = []
    current = labels[0]
    for k in range(1, len(labels)):
        offset = sum(durations[:k]) - k * fade
        target = "[joined]" if k == len(labels) - 1 else f"[x{k}]"
        chains.append(
            f"{current}{labels[k]}xfade=transition=fade:duration={fade:.6f}"
            f":offset={offset:.6f}{target}"
        )
        current = target
    return chains


def _frame_rate(fps: float) -> Fraction:
    """The exact rate behind a rate ffmpeg printed rounded (23.98 → 24000/1001)."""
    whole = round(fps)
    if abs(fps - whole) < 0.01:
        return Fraction(whole)
    ntsc = Fraction(round(fps * 1.001) * 1000, 1001)
    if abs(fps - float(ntsc)) < 0.006:
        return ntsc
    return Fraction(fps).limit_denominator(1001)


def _even(value: int) -> int:
    # libx264 with yuv420p needs even dimensions
    return max(2, value - value % 2)
