"""A video stream's packets as stored: decode order, timestamps, keyframes, sizes.

``packets`` asks ffmpeg (a stream copy to its framecrc muxer: nothing is
decoded), so it reads anything ffmpeg reads and is the independent check on
what we write; ``mp4_read`` gets the same list from an mp4's own tables
without starting a process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import MediaError
from scenemaker_desktop.engine.media.ffmpeg_bin import run_ffmpeg

_CRC_TIME_BASE = re.compile(r"^#tb 0: (\d+)/(\d+)$", re.MULTILINE)
_CRC_SIZE = re.compile(r"^#dimensions 0: (\d+)x(\d+)$", re.MULTILINE)
_CRC_PACKET = re.compile(
    r"^0,\s*(?P<dts>-?\d+),\s*(?P<pts>-?\d+),\s*(?P<dur>-?\d+),\s*(?P<size>\d+),\s*0x[0-9a-f]+"
    r"(?:, F=0x(?P<flags>[0-9A-Fa-f]+))?",
    re.MULTILINE,
)
# AV_NOPTS_VALUE as framecrc prints it: a packet without that timestamp
_NO_TIME = -(2**63)


@dataclass(frozen=True)
class Packet:
    """One stored video packet (a frame for H.264 in mp4); times in the stream's time base."""

    dts: int
    pts: int
    duration: int
    key: bool
    size: int


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
            size=int(match.group("size")),
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
