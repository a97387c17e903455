"""Unexpected errors in the desktop app: written to a log file the user can send us.

``install_crash_log(log_dir)`` replaces ``sys.excepthook`` and
``threading.excepthook``. An exception nobody caught (in a Qt slot, PySide6
hands it to ``sys.excepthook``; in a worker thread, to ``threading.excepthook``)
is written with its traceback to ``crash-<timestamp>-<pid>.log`` under
``log_dir``, still printed to stderr, and passed to ``on_crash(path)`` so the
GUI can tell the user where the file is (``crash_message(path)``).

``on_crash`` runs on the thread that failed: the GUI must hand it to the GUI
thread (a queued signal) before touching widgets. No Qt here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, TracebackType

from scenemaker_desktop import __version__

CrashCallback = Callable[[Path], None]
KEEP_LOGS = 20
_SECRET_ENV = ("FAL_KEY", "OPENAI_API_KEY")


def install_crash_log(log_dir: Path, on_crash: CrashCallback | None = None) -> Path:
    """Route uncaught exceptions into crash logs under ``log_dir``; returns ``log_dir``.

    The folder is created now; if that fails the hooks are installed all the
    same (the app must start), and a crash then says its details were not saved.
    """
    log_dir = Path(log_dir)
    with contextlib.suppress(OSError):
        log_dir.mkdir(parents=True, exist_ok=True)
    previous_hook = sys.excepthook

    def excepthook(
        exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous_hook(exc_type, exc, tb)
            return
        _report(log_dir, on_crash, exc_type, exc, tb, threading.current_thread().name)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return  # what threading's own hook does: a thread's exit is not a crash
        name = args.thread.name if args.thread is not None else "unknown thread"
        exc = args.exc_value if args.exc_value is not None else args.exc_type()
        _report(log_dir, on_crash, args.exc_type, exc, args.exc_traceback, name)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    return log_dir


def crash_message(log_file: Path | None) -> str:
    """The one line the user reads after a crash."""
    if log_file is None:
        return "SceneMaker hit an unexpected error, and the details could not be saved."
    return f"SceneMaker hit an unexpected error. Details were written to {log_file}"


def write_crash_log(
    log_dir: Path,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    thread_name: str = "MainThread",
) -> Path:
    """Write one crash log and return its path (raises OSError if it cannot)."""
    now = dt.datetime.now().astimezone()
    path = Path(log_dir) / f"crash-{now:%Y%m%d-%H%M%S-%f}-{os.getpid()}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_crash_text(now, exc_type, exc, tb, thread_name), encoding="utf-8")
    _prune(path.parent)
    return path


def _report(
    log_dir: Path,
    on_crash: CrashCallback | None,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    thread_name: str,
) -> None:
    log_file: Path | None
    try:
        log_file = write_crash_log(log_dir, exc_type, exc, tb, thread_name)
    except OSError as error:
        log_file = None
        print(f"cannot write the crash log in {log_dir}: {error}", file=sys.stderr)
    if sys.stderr is not None:  # a windowed app on Windows has no stderr
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        print(crash_message(log_file), file=sys.stderr, flush=True)
    if on_crash is not None and log_file is not None:
        on_crash(log_file)


def _crash_text(
    when: dt.datetime,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    thread_name: str,
) -> str:
    header = [
        f"SceneMaker {__version__} crash report",
        f"time: {when.isoformat(timespec='seconds')}",
        f"thread: {thread_name}",
        f"python: {_platform().python_version()} ({sys.executable})",
        f"platform: {_platform().platform()}",
        f"frozen: {bool(getattr(sys, 'frozen', False))}",
        "",
    ]
    body = "".join(traceback.format_exception(exc_type, exc, tb))
    return _without_secrets("\n".join(header) + body)


def _without_secrets(text: str) -> str:
    # Our own errors never carry keys, but a library's message might echo a header.
    for name in _SECRET_ENV:
        value = os.environ.get(name, "").strip()
        if len(value) >= 8:
            text = text.replace(value, f"<{name}>")
    return text


def _prune(log_dir: Path) -> None:
    logs = sorted(log_dir.glob("crash-*.log"))
    for old in logs[:-KEEP_LOGS]:
        with contextlib.suppress(OSError):
            old.unlink()


def _platform() -> ModuleType:  # imported only for a crash: it is slow to import
    import platform

    return platform
