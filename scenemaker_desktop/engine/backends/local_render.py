"""Turn a sequence of camera poses over a still image into an H.264 clip, inside ffmpeg.

The still is piped once to one ffmpeg process, which prepares it
(``plane_atlas``: BT.709 yuv420p, LANCZOS, at two scales) and loops it. For
every frame the atlas is cropped, scaled by ffmpeg's scaler and cropped
again with whole-pixel numbers that ``view_fit`` chose to land within a few
hundredths of a pixel of the float crop box: slow moves glide instead of
stepping a pixel at a time (zoompan's jitter), at the scaler's speed rather
than Pillow's. The numbers reach the filters as ``sendcmd`` commands, one
line per frame, and libx264 encodes the result.
docs/PERFORMANCE.md has the measurements behind these choices.
"""

from __future__ import annotations

import contextlib
import math
import os
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

from PIL import Image

from scenemaker_desktop.engine.backends.base import ClipProgress, ProgressCallback
from scenemaker_desktop.engine.backends.camera import CameraPose
from scenemaker_desktop.engine.backends.plane_atlas import Atlas, ViewCrop, base_frame
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe, last_error_line

# Ultrafast and a constant QP: slower presets and CRF cost frame rate and look the same
# on these slow, smooth moves, and assembly re-encodes anyway (figures: PERFORMANCE.md).
X264_PRESET = "ultrafast"
X264_QP = "18"
PROGRESS_REPORTS = 20
STATS_PERIOD_S = "0.1"
PIPE_BYTES = 1 << 20  # Linux's default ceiling for an unprivileged pipe

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
COMMANDS = "view.cmd"

_TAGS = "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"


def render_clip(
    load: Callable[[], Image.Image],
    poses: Sequence[CameraPose],
    *,
    size: tuple[int, int],
    fps: int,
    output: Path,
    on_progress: ProgressCallback,
    cancel: CancelToken,
) -> None:
    """Encode one frame per pose of the image ``load`` returns; write ``output`` atomically.

    ``load`` decodes the still on a helper thread (Pillow releases the GIL)
    while the frames' crops are fitted here, and ffmpeg, which needs the crops
    to start, starts up while the decoding finishes.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.{uuid.uuid4().hex[:8]}.part").resolve()
    atlas = Atlas.plan(size, (min(p.zoom for p in poses), max(p.zoom for p in poses)))
    with (
        tempfile.TemporaryFile() as stderr,
        tempfile.TemporaryDirectory(prefix="scenemaker-local-") as folder,
        ThreadPoolExecutor(1, thread_name_prefix="local-still") as pool,
    ):
        still = pool.submit(lambda: base_frame(load(), atlas))
        views = atlas.views(poses)
        _write_commands(Path(folder), views, fps)
        # stderr goes to a file, not a pipe: nobody reads it while ffmpeg runs,
        # and a full pipe would stall ffmpeg and then us.
        proc = subprocess.Popen(
            _encoder_args(atlas, views[0], len(poses), fps, partial),
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            with _killed_on_cancel(proc, cancel):
                on_progress(ClipProgress(0.0, f"Rendering frame 0/{len(poses)}"))
                _widen_pipe(proc)
                fed = _feed(proc, still.result())
                _follow(proc, len(poses), on_progress, cancel)
                code = _finish(proc, cancel)
            if code != 0 or not fed:
                stderr.seek(0)
                raise GenerationError(f"local: ffmpeg failed: {last_error_line(stderr.read())}")
            os.replace(partial, output)
        except BaseException:
            proc.kill()
            proc.wait()
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise


def _write_commands(folder: Path, views: Sequence[ViewCrop], fps: int) -> None:
    """The sendcmd file: frame n's crops, due half a frame before it.

    Frame 0's crops are the filters' own options (``_view_chain``).
    """
    lines = [
        f"{(frame - 0.5) / fps:.6f} {_commands(crop)};"
        for frame, crop in enumerate(views)
        if frame > 0
    ]
    (folder / COMMANDS).write_text("\n".join(lines) + "\n", encoding="ascii")


def _commands(crop: ViewCrop) -> str:
    values = (
        ("crop@in", "w", crop.x.length),
        ("crop@in", "h", crop.y.length),
        ("crop@in", "x", crop.x.start),
        ("crop@in", "y", crop.y.start),
        ("scale@view", "w", crop.x.scaled),
        ("scale@view", "h", crop.y.scaled),
        ("crop@out", "x", crop.x.offset),
        ("crop@out", "y", crop.y.offset),
    )
    return ", ".join(f"{target} {key} {value}" for target, key, value in values)


def _view_chain(crop: ViewCrop, size: tuple[int, int]) -> str:
    """The filters that turn the looped atlas into every frame."""
    x, y = crop.x, crop.y
    return (
        f"sendcmd=f={COMMANDS},"
        f"crop@in=w={x.length}:h={y.length}:x={x.start}:y={y.start}:exact=1,"
        # The atlas's chroma is centred in its 2×2 block; H.264's default is "left".
        f"scale@view=w={x.scaled}:h={y.scaled}:flags=bilinear"
        ":in_chroma_loc=center:out_chroma_loc=left,"
        f"crop@out=w={size[0]}:h={size[1]}:x={x.offset}:y={y.offset}:exact=1"
    )


def _encoder_args(atlas: Atlas, first: ViewCrop, frames: int, fps: int, target: Path) -> list[str]:
    graph = ";".join(
        [
            atlas.graph("[0:v]", "[atlas]"),
            f"[atlas]loop=loop={frames - 1}:size=1,{_view_chain(first, atlas.output)},"
            # The frames are BT.709; say so, or players guess (and guess 601 for SD).
            f"{_TAGS}[out]",
        ]
    )
    # A PPM says its own size, so ffmpeg can start before the still is decoded.
    still = ["-f", "image2pipe", "-c:v", "ppm"]
    return [
        ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostats",
        "-progress",
        "pipe:1",
        "-stats_period",
        STATS_PERIOD_S,
        # Every frame brings new sizes, so the scaler is set up afresh each frame;
        # with filter threads it would start a thread pool each time too, which
        # left ffmpeg idle more than busy.
        "-filter_complex_threads",
        "1",
        "-y",
        *still,
        "-framerate",
        str(fps),
        "-i",
        "pipe:0",
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-frames:v",
        str(frames),
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        X264_PRESET,
        "-qp",
        X264_QP,
        "-pix_fmt",
        "yuv420p",
        # No +faststart: it rewrites the whole file once more, and a clip is only
        # ever read from disk (final.mp4, which may be shared, gets it at assembly).
        "-f",
        "mp4",
        str(target),
    ]


def _widen_pipe(proc: subprocess.Popen[bytes]) -> None:
    """Let a megabyte of the still sit in ffmpeg's input pipe (Linux; elsewhere a no-op).

    With the default 64 KiB, writer and reader take turns ~100 times for one still.
    """
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl else None
    if set_size is not None and proc.stdin is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(proc.stdin.fileno(), set_size, PIPE_BYTES)


def _feed(proc: subprocess.Popen[bytes], still: Image.Image) -> bool:
    """Hand ffmpeg the still as a PPM; False when ffmpeg stopped reading (failed or killed)."""
    rgb = still if still.mode == "RGB" else still.convert("RGB")
    stdin: IO[bytes] = proc.stdin  # type: ignore[assignment]
    try:
        stdin.write(b"P6\n%d %d\n255\n" % rgb.size)
        stdin.write(rgb.tobytes())
        stdin.close()
    except OSError:  # BrokenPipeError among them: ffmpeg has exited
        return False
    return True


def _follow(
    proc: subprocess.Popen[bytes], total: int, on_progress: ProgressCallback, cancel: CancelToken
) -> None:
    """Report ffmpeg's ``frame=`` progress lines, at most PROGRESS_REPORTS of them, until EOF."""
    every = max(1, math.ceil(total / PROGRESS_REPORTS))
    reported = 0
    stdout: IO[bytes] = proc.stdout  # type: ignore[assignment]
    for line in stdout:
        key, _, value = line.decode("ascii", "replace").strip().partition("=")
        if key != "frame" or not value.isdigit() or cancel.cancelled:
            continue
        done = min(int(value), total)
        if done - reported >= every and done < total:
            reported = done - done % every
            on_progress(ClipProgress(reported / total, f"Rendering frame {reported}/{total}"))
    if proc.wait() == 0 and not cancel.cancelled:
        on_progress(ClipProgress(1.0, f"Rendering frame {total}/{total}"))


@contextlib.contextmanager
def _killed_on_cancel(proc: subprocess.Popen[bytes], cancel: CancelToken) -> Iterator[None]:
    """Kill ffmpeg as soon as ``cancel`` fires, from a watchdog thread.

    A write to ffmpeg's stdin blocks while ffmpeg is not reading; if ffmpeg
    stalls without exiting, the writing thread could never look at the cancel
    token again. Killing ffmpeg breaks the pipe, so the write fails at once.
    """
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if cancel.cancelled:
                with contextlib.suppress(OSError):
                    proc.kill()
                return

    watchdog = threading.Thread(target=watch, name="local-cancel", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()
    cancel.raise_if_cancelled()  # a write broken by the watchdog is a cancel, not a failure


def _finish(proc: subprocess.Popen[bytes], cancel: CancelToken) -> int:
    """Close ffmpeg's input and wait for it to flush, still honouring cancel."""
    # An OSError here means ffmpeg already exited; its return code tells why.
    with contextlib.suppress(OSError):
        proc.stdin.close()  # type: ignore[union-attr]
    while True:
        try:
            return proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            if cancel.cancelled:
                raise Cancelled() from None
