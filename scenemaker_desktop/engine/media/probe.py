"""Probe a video with the ffmpeg binary alone.

imageio-ffmpeg ships no ffprobe, so we read what ``ffmpeg -i`` prints about the
first video stream and count frames with a stream copy to the null muxer
(fast: no decoding, one packet per frame for the H.264 clips we handle).
``packets`` lists every packet's timestamps the same way, through the framecrc
muxer, for work that must know where keyframes and decode order fall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

_STREAM = re.compile(r"Stream #\d+:\d+(?:\[\w+\])?(?:\(\w+\))?: Video: (?P<codec>\w+)(?P<rest>.*)")
_SIZE = re.compile(r", (?P<w>\d{2,5})x(?P<h>\d{2,5})")
_FPS = re.compile(r", (?P<fps>[\d.]+)(?P<k>k?) fps")
_TBR = re.compile(r", (?P<fps>[\d.]+)(?P<k>k?) tbr")
_DURATION = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>[\d.]+)")
_FRAMES = re.compile(r"frame=\s*(?P<n>\d+)")
_CRC_TIME_BASE = re.compile(r"^#tb 0: (\d+)/(\d+)$", re.MULTILINE)
_CRC_SIZE = re.compile(r"^#dimensions 0: (\d+)x(\d+)$", re.MULTILINE)
_CRC_PACKET = re.compile(
    r"^0,\s*(?P<dts>-?\d+),\s*(?P<pts>-?\d+),\s*(?P<dur>-?\d+),\s*\d+,\s*0x[0-9a-f]+"
    r"(?:, F=0x(?P<flags>[0-9A-Fa-f]+))?",
    re.MULTILINE,
)
# AV_NOPTS_VALUE as framecrc prints it: a packet without that timestamp
_NO_TIME = -(2**63)


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    duration: float
    frame_count: int
    codec: str


@dataclass(frozen=True)
class Packet:
    """One stored video packet (a frame for H.264 in mp4); times in the stream's time base."""

    dts: int
    pts: int
    duration: int
    key: bool


@dataclass(frozen=True)
class PacketList:
    """A video stream's packets in decode order, with the stream's time base and size.

    Frame ``i`` (0-based, in presentation order, as ``probe`` and the select
    filter count them) is the packet with the ``i``-th smallest pts.
    """

    time_base: Fraction
    width: int
    height: int
    packets: tuple[Packet, ...]

    @property
    def frame_count(self) -> int:
        return len(self.packets)

    def frame_pts(self) -> list[int]:
        """Presentation times of frames 0..n-1."""
        return sorted(packet.pts for packet in self.packets)

    def seconds(self, ticks: int | Fraction) -> Fraction:
        return ticks * self.time_base


def packets(path: Path, cancel: CancelToken | None = None) -> PacketList:
    """List the first video stream's packets of ``path`` without decoding anything.

    ``-copyts`` keeps the file's own timestamps (ffmpeg would otherwise shift
    them to start at 0), so they can be handed back to ffmpeg as seek points.
    """
    if not Path(path).is_file():
        raise MediaError(f"video not found: {path}")
    args = ["-copyts", "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framecrc", "-"]
    text = run_ffmpeg(args, cancel=cancel).stdout.decode("ascii", "replace")
    base, size = _CRC_TIME_BASE.search(text), _CRC_SIZE.search(text)
    if base is None or size is None:
        raise MediaError(f"no video stream in {Path(path).name}")
    listed = tuple(
        Packet(
            dts=int(match.group("dts")),
            pts=int(match.group("pts")),
            duration=int(match.group("dur")),
            key=int(match.group("flags") or "1", 16) & 1 == 1,
        )
        for match in _CRC_PACKET.finditer(text)
    )
    if any(_NO_TIME in (packet.dts, packet.pts) for packet in listed):
        raise MediaError(f"{Path(path).name} has packets without timestamps")
    return PacketList(
        time_base=Fraction(int(base.group(1)), int(base.group(2))),
        width=int(size.group(1)),
        height=int(size.group(2)),
        packets=listed,
    )


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
