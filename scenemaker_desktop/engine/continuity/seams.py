"""The seam measure of a finished session, written onto its chains."""

from __future__ import annotations

from pathlib import Path

from scenemaker_desktop.engine import media
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog.animatic import wants_captions
from scenemaker_desktop.engine.continuity.metrics import frame_steps, seam_jumps
from scenemaker_desktop.engine.sessions.model import Session


def measure_seams(session: Session, folder: Path, cancel: CancelToken) -> None:
    """Each chain's ``continuity.seam_jump`` (the seam after it), read off the final video.

    A crossfade blends a seam over many frames, so no single step shows it, and an
    animatic's captions change at every seam: then nothing is measured rather than a
    number that means something else."""
    blurred = session.request.crossfade > 0 or wants_captions(session.request)
    if session.final_video is None or blurred:
        return
    exact = session.request.seam == "exact"
    kept = []
    for chain in session.chains:
        cut = chain.seed_frame_index if exact else None
        kept.append(cut if cut is not None else media.probe(folder / str(chain.video)).frame_count)
    steps = frame_steps(folder / session.final_video, cancel)
    for chain, jump in zip(session.chains, seam_jumps(steps, kept), strict=False):
        chain.continuity.seam_jump = jump
