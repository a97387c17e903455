"""Probe a video with the ffmpeg binary alone.

imageio-ffmpeg ships no ffprobe, so we read what ``ffmpeg -i`` prints about the
first video stream and count frames with a stream copy to the null muxer
(fast: no decoding, one packet per frame for the H.264 clips we handle).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

_STREAM = re.compile(r"Stream #\d+:\d+(?:\[\w+\])?(?:\(\w+\))?: Video: (?P<codec>\w+)(?P<rest>.*)")
_SIZE = re.compile(r", (?P<w>\d{2,5})x(?P<h>\d{2,5})")
_FPS = re.compile(r", (?P<fps>[\d.]+)(?P<k>k?) fps")
_TBR = re.compile(r", (?P<fps>[\d.]+)(?P<k>k?) tbr")
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)")
_FRAMES = re.compile(r"frame=\s*(?P<n>\d+)")


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float
    frame_count: int
    codec: str


def probe(path: Path) -> VideoInfo:
    """Return size, frame rate, duration and exact frame count of ``path``'s video."""
    if not Path(path).is_file():
        raise MediaError(f"video not found: {path}")
    result = run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"])
    text = result.stderr.decode("utf-8", "replace")
    stream = _STREAM.search(text)
    if stream is None:
        raise MediaError(f"no video stream in {Path(path).name}")
    rest = stream.group("rest")
    size = _SIZE.search(rest)
    if size is None:
        raise MediaError(f"cannot read the frame size of {Path(path).name}")
    frames = _FRAMES.findall(text)
    return VideoInfo(
        width=int(size.group("w")),
        height=int(size.group("h")),
        fps=_frame_rate(rest),
        duration=_duration(text),
        frame_count=int(frames[-1]) if frames else 0,
        codec=stream.group("codec"),
    )


def _frame_rate(stream_text: str) -> float:
    match = _FPS.search(stream_text) or _TBR.search(stream_text)
    if match is None:
        return 0.0
    value = float(match.group("fps"))
    return value * 1000 if match.group("k") else value


def _duration(text: str) -> float:
    match = _DURATION.search(text)
    if match is None:
        return 0.0
    return int(match.group("h")) * 3600 + int(match.group("m")) * 60 + float(match.group("s"))
