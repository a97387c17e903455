"""Media work on the bundled ffmpeg: probing, frames, seed frames, thumbnails, assembly."""

from __future__ import annotations

from scenemaker_desktop.engine.media.assemble import (
    AssemblyResult,
    ClipCut,
    SeamMode,
    assemble,
)
from scenemaker_desktop.engine.media.frames import (
    SeedFrame,
    best_seed_frame,
    extract_frame,
    last_frame,
    thumbnail,
)
from scenemaker_desktop.engine.media.probe import VideoInfo, probe

__all__ = [
    "AssemblyResult",
    "ClipCut",
    "SeamMode",
    "SeedFrame",
    "VideoInfo",
    "assemble",
    "best_seed_frame",
    "extract_frame",
    "last_frame",
    "probe",
    "thumbnail",
]
