"""Which frames of each clip the final video keeps, and how re-encoded frames are encoded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scenemaker_desktop.engine.errors import MediaError, ValidationError

# libx264 settings for the frames the assembly encodes
CRF = 18
PRESET = "veryfast"
# A seam tail is a handful of frames among copied ones, so its bits hardly count, while
# a visibly softer frame at every seam would: on 720p noise-textured clips (crf 20),
# crf 12 keeps tail frames at ~47 dB PSNR against their source (crf 18: ~41 dB, below
# the worst frame of the old trim-and-concat pipeline) for 1.7x crf 18's bits.
TAIL_CRF = 12


@dataclass(frozen=True)
class ClipCut:
    """Keep frames [0, end_frame) of the clip at ``path``; None keeps the whole clip."""

    path: Path
    end_frame: int | None = None


def frames_kept(number: int, clip: ClipCut, frame_count: int) -> int:
    """How many frames clip ``number`` (1-based, for messages) keeps out of ``frame_count``."""
    name = Path(clip.path).name
    if frame_count <= 0:
        raise MediaError(f"clip {number} ({name}) has no frames")
    kept = frame_count if clip.end_frame is None else clip.end_frame
    if not 0 < kept <= frame_count:
        raise ValidationError(
            f"clip {number} ({name}) has {frame_count} frames; cannot keep {kept}"
        )
    return kept
