"""What a killed run leaves in a session folder, found and put right.

Every file we write goes first to a hidden temporary name next to its target
(``.session.json.XXXX.tmp``, ``.chain_02.XXXX.part.mp4``, ``.final.XXXX.part.mp4``,
``.input.XXXX.png.tmp``, ``.final.XXXX.concat.txt``) and is renamed into place when
complete. A ``kill -9`` can leave such files behind: a manifest written completely
but not yet renamed holds the newest state (a fal request id, say), so it is put in
place; everything else is debris and removed. Only ever done under the session's lock.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)
TEMP_ENDINGS = (".tmp", ".concat.txt")
ABANDONED_FOLDER_S = 60.0
"""A folder this old with no manifest is a start that failed, not one in progress."""


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and (name.endswith(TEMP_ENDINGS) or ".part" in name)


def temp_files(folder: Path) -> list[Path]:
    """The temporary files in a session folder and its chains folder."""
    found = []
    for place in (folder, folder / "chains"):
        if place.is_dir():
            found.extend(p for p in place.iterdir() if p.is_file() and is_temp_name(p.name))
    return found


def newer_manifest(manifest: Path, readable) -> Path | None:
    """A complete temporary manifest written after ``manifest`` (newest first), if any.

    ``readable(data)`` says whether parsed JSON is a whole session (the store checks it).
    """
    try:
        since = manifest.stat().st_mtime_ns
    except FileNotFoundError:
        since = -1
    prefix = f".{manifest.name}."
    candidates = [p for p in manifest.parent.glob(f"{prefix}*.tmp") if p.stat().st_mtime_ns > since]
    for candidate in sorted(candidates, key=lambda p: p.stat().st_mtime_ns, reverse=True):
        try:
            data = json.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            continue
        if readable(data):
            return candidate
    return None


def put_right(folder: Path, manifest: Path, readable) -> list[str]:
    """Recover a newer complete manifest, then remove the debris; say what was done."""
    done = []
    recovered = newer_manifest(manifest, readable)
    if recovered is not None:
        os.replace(recovered, manifest)
        done.append(f"recovered {recovered.name}")
        log.warning("session %s: recovered the manifest %s", folder.name, recovered.name)
    for path in temp_files(folder):
        path.unlink(missing_ok=True)
        done.append(f"removed {path.relative_to(folder)}")
    return done


def settled(folder: Path) -> bool:
    """Not touched for a while: a start in progress writes its manifest at once."""
    try:
        return time.time() - folder.stat().st_mtime >= ABANDONED_FOLDER_S
    except FileNotFoundError:
        return False


def abandoned(folder: Path, manifest: Path) -> bool:
    """A folder whose start failed (check ``settled`` first): no manifest, only debris."""
    if manifest.exists():
        return False
    leftovers = [p for p in folder.rglob("*") if p.is_file() and not is_temp_name(p.name)]
    return all(p.name == "session.lock" for p in leftovers)
