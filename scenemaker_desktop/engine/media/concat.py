"""What lets clips be stream-copied into one mp4, and the concat demuxer's list file."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import MediaError

_INPUT = re.compile(r"^Input #(\d+),", re.MULTILINE)
_VIDEO = re.compile(
    r"Stream #\d+:\d+\S*: Video: (?P<codec>[^,]+), (?P<pix>\w+(?:\([^)]*\))?)"
    r"(?:, [^,\d][^,]*)?, (?P<w>\d+)x(?P<h>\d+)(?P<rest>.*)"
)
_FPS = re.compile(r", (?P<fps>[\d.]+)(?P<k>k?) (?:fps|tbr)")
_TBN = re.compile(r", (?P<tbn>[\d.]+k?) tbn")


@dataclass(frozen=True)
class StreamShape:
    """What must match for clips to be stream-copied into one mp4.

    ``codec`` is ffmpeg's whole description, profile included ("h264 (High)
    (avc1 / 0x31637661)"); ``pixel_format`` carries the colour tags
    ("yuv420p(tv, bt709, progressive)").
    """

    codec: str
    pixel_format: str
    width: int
    height: int
    fps: float
    # the concat demuxer mangles timestamps when clips' time bases differ
    time_base: str


def stream_shapes(headers: str, paths: Sequence[Path]) -> list[StreamShape]:
    """The first video stream's shape of each of ``paths``, from ``read_headers`` output."""
    sections = _INPUT.split(headers)[1:]
    blocks = dict(zip(sections[0::2], sections[1::2], strict=True))
    shapes = []
    for index, path in enumerate(paths):
        match = _VIDEO.search(blocks.get(str(index), ""))
        if match is None:
            raise MediaError(f"no video stream in {Path(path).name}")
        fps = _FPS.search(match.group("rest"))
        rate = float(fps.group("fps")) * (1000 if fps.group("k") else 1) if fps else 0.0
        shapes.append(
            StreamShape(
                codec=match.group("codec").strip(),
                pixel_format=match.group("pix"),
                width=int(match.group("w")),
                height=int(match.group("h")),
                fps=rate,
                time_base=tbn.group("tbn") if (tbn := _TBN.search(match.group("rest"))) else "",
            )
        )
    return shapes


def file_line(path: Path) -> str:
    """The concat list's ``file`` line for ``path``."""
    # The concat demuxer's quoting: inside '...', a quote is written '\''
    return "file '{}'".format(str(Path(path).resolve()).replace("'", "'\\''"))


@contextmanager
def concat_list(lines: Sequence[str], dest: Path) -> Iterator[Path]:
    """A concat list holding ``lines``, next to ``dest``, removed afterwards."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=".concat.txt", dir=dest.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    listing = Path(name)
    try:
        yield listing
    finally:
        listing.unlink(missing_ok=True)
