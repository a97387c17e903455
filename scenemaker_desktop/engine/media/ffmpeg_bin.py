"""Where the ffmpeg binary lives and how we run it.

We ship ffmpeg through imageio-ffmpeg (no system ffmpeg, and no ffprobe: the
wheel carries only ffmpeg). ``IMAGEIO_FFMPEG_EXE`` still overrides, which the
frozen app uses to point at the binary inside the bundle.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, MediaError


@functools.lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:  # imageio-ffmpeg raises RuntimeError when nothing is found
        raise MediaError(f"ffmpeg not found: {exc}") from exc


def run_ffmpeg(
    args: Sequence[str],
    *,
    cancel: CancelToken | None = None,
    input_bytes: bytes | None = None,
    timeout: float = 600.0,
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg with ``args`` (without the binary); raise MediaError on failure.

    The process is polled so a cancel token can stop it mid-encode; on cancel it
    is killed and ``Cancelled`` raised.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    if input_bytes is not None:
        cmd.remove("-nostdin")
    return _run(cmd, cancel=cancel, timeout=timeout, input_bytes=input_bytes)


def run_ffmpeg_progress(
    args: Sequence[str],
    *,
    on_time: Callable[[float], None],
    cancel: CancelToken | None = None,
    timeout: float = 3600.0,
) -> subprocess.CompletedProcess[bytes]:
    """Like ``run_ffmpeg``, but report the seconds of output written so far.

    ffmpeg's ``-progress pipe:1`` blocks are parsed on a helper thread and handed
    over through a queue, so ``on_time`` runs on the calling thread. The
    returned stdout holds the progress blocks.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-progress", "pipe:1", *args]
    return _run(cmd, cancel=cancel, timeout=timeout, on_time=on_time)


def last_error_line(stderr: bytes) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1] if lines else "unknown error"


def _run(
    cmd: list[str],
    *,
    cancel: CancelToken | None,
    timeout: float,
    input_bytes: bytes | None = None,
    on_time: Callable[[float], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``cmd`` with every pipe served by its own thread, polling for cancel.

    Not ``Popen.communicate(timeout=...)`` in a loop: when it times out while
    stdin is still being written, a retry cannot resume the input (CPython only
    registers stdin when input is passed again, which it then refuses), so
    ffmpeg waits for the rest of its frames forever.
    """
    times: queue.Queue[float] = queue.Queue()
    out: list[bytes] = []
    err: list[bytes] = []
    with subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        readers = [threading.Thread(target=_read_all, args=(proc.stderr, err), daemon=True)]
        if on_time is None:
            readers.append(threading.Thread(target=_read_all, args=(proc.stdout, out), daemon=True))
        else:
            progress = (proc.stdout, times, out)
            readers.append(threading.Thread(target=_read_progress, args=progress, daemon=True))
        threads = list(readers)
        if input_bytes is not None:
            feed = (proc.stdin, input_bytes)
            threads.append(threading.Thread(target=_feed, args=feed, daemon=True))
        for thread in threads:
            thread.start()
        try:
            _follow(proc, readers, times, on_time or (lambda _seconds: None), cancel, timeout)
            threads[-1].join()  # the feeder, if any, is done once ffmpeg has exited
        except BaseException:
            proc.kill()
            proc.wait()
            for thread in threads:
                thread.join(timeout=5)  # pipes hit EOF once ffmpeg is gone
            raise
    stderr = b"".join(err)
    if proc.returncode != 0:
        raise MediaError(f"ffmpeg failed: {last_error_line(stderr)}")
    return subprocess.CompletedProcess(cmd, proc.returncode, b"".join(out), stderr)


def _follow(
    proc: subprocess.Popen[bytes],
    readers: list[threading.Thread],
    times: queue.Queue[float],
    on_time: Callable[[float], None],
    cancel: CancelToken | None,
    timeout: float,
) -> None:
    """Wait for ``proc``; deliver progress; stop on cancel (even one seen after it ended)."""
    deadline = time.monotonic() + timeout
    while True:
        done = _finished(proc, readers, step=0.1)
        while not times.empty():
            on_time(times.get_nowait())
        if cancel is not None and cancel.cancelled:
            raise Cancelled()
        if done:
            return
        if time.monotonic() >= deadline:
            raise MediaError(f"ffmpeg took longer than {timeout:.0f} s")


def _finished(proc: subprocess.Popen[bytes], readers: list[threading.Thread], step: float) -> bool:
    # Waiting on the pipe readers wakes us the moment ffmpeg closes its output;
    # Popen.wait(timeout) polls with sleeps of up to 50 ms, which doubled the
    # cost of a quick stream copy.
    for reader in readers:
        reader.join(timeout=step)
        if reader.is_alive():
            return False
    try:
        proc.wait(timeout=step)
    except subprocess.TimeoutExpired:
        return False
    return True


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (BrokenPipeError, ValueError):
        pass  # ffmpeg stopped reading (it failed or was killed); its exit code tells why


def _read_progress(stream: IO[bytes], times: queue.Queue[float], out: list[bytes]) -> None:
    for line in stream:
        out.append(line)
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        # out_time_us is "N/A" until the first frame is written
        if key == "out_time_us" and value.lstrip("-").isdigit():
            times.put(max(0, int(value)) / 1_000_000)


def _read_all(stream: IO[bytes], out: list[bytes]) -> None:
    # each pipe is drained on its own thread so a full pipe can never stall ffmpeg
    out.append(stream.read())


def read_headers(paths: Sequence[Path]) -> str:
    """Return what ffmpeg prints about ``paths`` when it only opens them.

    One short run for many files (no decoding, no frame count). ffmpeg exits
    non-zero because no output is given; that is expected here. An input it
    cannot open raises MediaError naming that file.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin"]
    for path in paths:
        cmd += ["-i", str(path)]
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired as exc:
        raise MediaError("ffmpeg took too long to open the clips") from exc
    text = proc.stderr.decode("utf-8", "replace")
    for index, path in enumerate(paths):
        if f"Input #{index}," not in text:
            raise MediaError(f"cannot open {Path(path).name}: {last_error_line(proc.stderr)}")
    return text


@contextlib.contextmanager
def atomic_output(dest: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; it replaces ``dest`` only if the block succeeds.

    The temp file sits in dest's folder (same filesystem, so ``os.replace`` is
    atomic) and keeps dest's suffix because ffmpeg and Pillow pick the format
    from it. On any error or cancel the temp file is removed and dest is untouched.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        prefix=f".{dest.stem}.", suffix=f".part{dest.suffix}", dir=dest.parent
    )
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
