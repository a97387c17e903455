"""The session folders under ``$SCENEMAKER_HOME/sessions``.

Every write of session.json is atomic (temp file, fsync, rename), so a crash
at any moment leaves either the old or the new state, never half a file.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenemaker_desktop import __version__
from scenemaker_desktop.engine.catalog import GenerationRequest
from scenemaker_desktop.engine.errors import (
    SessionBusyError,
    SessionDamagedError,
    SessionNotFoundError,
    StorageError,
    ValidationError,
)
from scenemaker_desktop.engine.sessions import tidy
from scenemaker_desktop.engine.sessions.lock import SessionLock, is_locked
from scenemaker_desktop.engine.sessions.model import (
    SESSION_ID,
    Chain,
    Session,
    SessionStatus,
    check_session_id,
    new_session_id,
    now_iso,
)
from scenemaker_desktop.engine.story.plan import StoryPlan

SESSION_FILE = "session.json"
INPUT_IMAGE = "input.png"
MB = 1024 * 1024
MIN_FREE_BYTES = 50 * MB
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionListing:
    """One row of ``scenemaker sessions``: a session, or a folder we could not read."""

    id: str
    session: Session | None
    damaged_reason: str | None = None

    @property
    def status(self) -> str:
        return "damaged" if self.session is None else self.session.status.value


def write_json_atomic(path: Path, data: Any) -> None:
    text = json.dumps(data, indent=2, ensure_ascii=False)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SessionStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def ensure_writable(self) -> None:
        """Create the sessions folder and prove we can write in it, with room to spare."""
        self._refuse_a_file()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".write-test-"):
                pass
            free = shutil.disk_usage(self.root).free
        except OSError as exc:
            raise StorageError(
                f"cannot write sessions in {self.root}: {exc.strerror or exc}"
            ) from None
        # An empty probe file fits on a full disk; a session's clips do not.
        if free < MIN_FREE_BYTES:
            raise StorageError(
                f"the disk holding {self.root} is full ({free // MB} MB free; a session "
                f"needs at least {MIN_FREE_BYTES // MB} MB)"
            )

    def _refuse_a_file(self) -> None:
        if self.root.exists() and not self.root.is_dir():
            raise StorageError(f"the sessions folder {self.root} is a file, not a folder")

    def folder(self, session_id: str) -> Path:
        return self.root / check_session_id(session_id)

    def create(
        self,
        request: GenerationRequest,
        source_name: str = "",
        plan: StoryPlan | None = None,
        draft_of: str | None = None,
    ) -> Session:
        """Make a new session folder holding a queued session.json (image added by caller)."""
        self.ensure_writable()
        session_id = new_session_id()
        while (self.root / session_id).exists():
            session_id = new_session_id()
        (self.root / session_id).mkdir()
        session = Session(
            id=session_id,
            request=request,
            input_image=INPUT_IMAGE,
            chains=[Chain(index=i) for i in range(request.chains)],
            source_name=source_name,
            app_version=__version__,
            plan=plan,
            draft_of=draft_of,
        )
        try:
            self.save(session)
        except BaseException:
            shutil.rmtree(self.root / session_id, ignore_errors=True)  # no manifest, no folder
            raise
        return session

    def save(self, session: Session) -> None:
        session.updated_at = now_iso()
        try:
            write_json_atomic(self.folder(session.id) / SESSION_FILE, session.to_dict())
        except OSError as exc:
            raise StorageError(f"cannot save session {session.id}: {exc.strerror or exc}") from None

    def load(self, session_id: str) -> Session:
        """Read a session; a `running` one whose process is gone reads as `interrupted`."""
        folder = self.folder(session_id)
        path = folder / SESSION_FILE
        if not folder.is_dir():
            raise SessionNotFoundError(f"no session '{session_id}'")
        if tidy.temp_files(folder):  # a killed run's leftovers: put right unless it is running
            self.tidy(session_id)
        try:
            session = Session.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise SessionDamagedError(f"session {session_id} has no session.json") from None
        except RecursionError:
            raise SessionDamagedError(f"session {session_id} is damaged: nested too deep") from None
        except (OSError, ValueError, LookupError, TypeError, AttributeError) as exc:
            raise SessionDamagedError(f"session {session_id} is damaged: {exc}") from None
        except ValidationError as exc:
            raise SessionDamagedError(
                f"session {session_id} holds a request this version cannot run: {exc}"
            ) from None
        if session.id != session_id:
            raise SessionDamagedError(f"session {session_id} holds the state of {session.id}")
        if session.status is SessionStatus.RUNNING and not is_locked(folder):
            session.status = SessionStatus.INTERRUPTED
        return session

    def list(self) -> list[SessionListing]:
        """All sessions, newest first; one damaged folder never hides the others."""
        return [self._listing(session_id) for session_id in self._ids()]

    def _ids(self) -> Iterator[str]:
        self._refuse_a_file()
        if not self.root.is_dir():
            return iter(())
        ids = [p.name for p in self.root.iterdir() if p.is_dir() and SESSION_ID.fullmatch(p.name)]
        return iter(sorted(ids, reverse=True))

    # -- what killed runs leave behind ------------------------------------------------

    def tidy(self, session_id: str) -> list[str]:
        """Put a session's leftovers right if nobody is working on it; say what was done.

        An abandoned start (a folder with no manifest) is removed altogether."""
        folder = self.folder(session_id)
        settled = tidy.settled(folder)  # before locking: taking the lock touches the folder
        try:
            with SessionLock(folder):
                if settled and tidy.abandoned(folder, folder / SESSION_FILE):
                    shutil.rmtree(folder, ignore_errors=True)
                    return [f"removed the abandoned start {session_id}"]
                return self.put_right_locked(session_id)
        except (SessionBusyError, StorageError):
            return []

    def put_right_locked(self, session_id: str) -> list[str]:
        """``tidy`` for a caller that holds the session's lock."""
        return self._put_right(self.folder(session_id))

    def tidy_all(self) -> list[str]:
        """``tidy`` for every session (at start: sweeps what earlier runs left)."""
        return [line for session_id in self._ids() for line in self.tidy(session_id)]

    def _put_right(self, folder: Path) -> list[str]:
        try:
            return tidy.put_right(folder, folder / SESSION_FILE, _whole_session)
        except OSError as exc:
            log.warning("could not tidy %s: %s", folder.name, exc)
            return []

    def _listing(self, session_id: str) -> SessionListing:
        try:
            return SessionListing(session_id, self.load(session_id))
        except SessionDamagedError as exc:
            return SessionListing(session_id, None, str(exc))

    def delete(self, session_id: str) -> None:
        folder = self.folder(session_id)
        if not folder.is_dir():
            raise SessionNotFoundError(f"no session '{session_id}'")
        if is_locked(folder):
            raise SessionBusyError(f"session {session_id} is running; cancel it before deleting")
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            raise StorageError(
                f"cannot delete session {session_id}: {exc.strerror or exc}"
            ) from None

    def locked(self, session_id: str) -> bool:
        """True while a live process holds the session's lock."""
        return is_locked(self.folder(session_id))

    def lock(self, session_id: str) -> SessionLock:
        return SessionLock(self.folder(session_id))

    def path_of(self, session: Session, relative: str | None) -> Path | None:
        """Absolute path of a file named in session.json (None stays None)."""
        return None if relative is None else self.folder(session.id) / relative


def _whole_session(data: Any) -> bool:
    try:
        Session.from_dict(data)
    except (ValueError, LookupError, TypeError, AttributeError, ValidationError):
        return False
    return True
