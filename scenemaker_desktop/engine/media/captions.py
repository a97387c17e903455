"""A caption burned into a clip: the animatic shows each chain's planned beat on screen.

The text is drawn by Pillow (its own scalable font, so no font file or ffmpeg
text filter is needed on any platform) onto a transparent strip, which ffmpeg
lays over the lower part of the clip in one encode. The clip is replaced
atomically; a failed burn leaves it as it was.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.media.cuts import CRF, PRESET
from scenemaker_desktop.engine.media.ffmpeg_bin import atomic_output, run_ffmpeg
from scenemaker_desktop.engine.media.probe import probe

# Caption size against the frame: readable on a 360p preview, not crowding a 1080p one.
_FONT_SHARE = 1 / 24
_MAX_LINES = 3
_BAND_ALPHA = 170
_MARGIN_SHARE = 0.04


def burn_caption(video: Path, text: str, cancel: CancelToken | None = None) -> Path:
    """``video`` with ``text`` across its lower part, for its whole length."""
    info = probe(video)
    with tempfile.TemporaryDirectory(prefix="scenemaker-caption-") as scratch:
        strip = caption_strip(text, info.width, info.height)
        overlay = Path(scratch, "caption.png")
        strip.save(overlay)
        y = info.height - strip.height - round(info.height * _MARGIN_SHARE)
        with atomic_output(video) as tmp:
            run_ffmpeg(
                ["-y", "-i", str(video), "-i", str(overlay),
                 "-filter_complex", f"[0:v][1:v]overlay=0:{y}:format=auto,format=yuv420p[out]",
                 "-map", "[out]", "-an", "-c:v", "libx264", "-preset", PRESET, "-crf", str(CRF),
                 "-movflags", "+faststart", "-f", "mp4", str(tmp)],
                cancel=cancel,
            )  # fmt: skip
    return video


def caption_strip(text: str, width: int, height: int) -> Image.Image:
    """A full-width transparent strip holding ``text`` on a dark band, wrapped to fit."""
    size = max(12, round(height * _FONT_SHARE))
    font = ImageFont.load_default(size=size)
    margin = round(width * _MARGIN_SHARE)
    lines = _wrap(text, font, width - 4 * margin)
    line_height = round(size * 1.3)
    band_height = line_height * len(lines) + size
    strip = Image.new("RGBA", (width, band_height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(strip)
    widest = max(draw.textlength(line, font=font) for line in lines)
    left = round((width - widest) / 2) - margin
    draw.rounded_rectangle(
        (left, 0, width - left, band_height), radius=size // 2, fill=(0, 0, 0, _BAND_ALPHA)
    )
    for number, line in enumerate(lines):
        x = (width - draw.textlength(line, font=font)) / 2
        draw.text((x, size // 2 + number * line_height), line, font=font, fill="white")
    return strip


def _wrap(text: str, font: ImageFont.FreeTypeFont, room: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= room:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], " ".join(lines[_MAX_LINES - 1 :])]
        while font.getlength(lines[-1] + "…") > room and " " in lines[-1]:
            lines[-1] = lines[-1].rsplit(" ", 1)[0]
        lines[-1] += "…"
    return lines or [""]
