"""The network side of the fal backends: bounded retries, the seed upload, the downloads.

Every call has a timeout and a bounded number of tries, and every wait between
tries (and every downloaded chunk) looks at the cancel token, so nothing here
can keep a cancelled or stalled session alive.
"""

from __future__ import annotations

import contextlib
import enum
import io
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import httpx
from fal_client.client import FalClientHTTPError
from PIL import Image, UnidentifiedImageError

from scenemaker_desktop.engine.backends.fal_errors import (
    FalErrors,
    http_failure,
    is_transient,
    reason,
    retry_after,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.errors import Cancelled, GenerationError, MediaError
from scenemaker_desktop.engine.media.ffmpeg_bin import atomic_output
from scenemaker_desktop.engine.media.probe import VideoInfo, probe

log = logging.getLogger(__name__)
T = TypeVar("T")

MB = 1024 * 1024
CANCEL_POLL_S = 0.05
MAX_UPLOAD_SIDE = 2560
"""Longest side sent to fal: every model renders at most 1080p, so more only costs upload time."""


@dataclass(frozen=True)
class FalLimits:
    """How long and how often the fal backend tries. Defaults suit real fal; tests shrink them."""

    attempts: int = 5
    """Tries per call (status, result, submit, upload, download) before giving up."""
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    first_poll_interval: float = 0.25
    """Polls start quick (fast queue feedback) and slow down to ``poll_interval``."""
    poll_interval: float = 1.0
    max_wait_seconds: float = 30 * 60
    request_timeout: float = 60.0
    """Submit and upload timeout (fal-client's ``default_timeout``)."""
    download_read_timeout: float = 30.0
    """Longest silence while downloading (a stalled read also delays a cancel this long)."""
    download_deadline: float = 15 * 60
    max_download_bytes: int = 500 * MB
    submit_grace: float = 1.0
    """How long a cancel waits for a submit already in flight to answer."""


class Retry(enum.Enum):
    """How a call's failures are treated."""

    STANDARD = "standard"
    """Transient failures (5xx, 408/409/425/429, connection trouble) are tried again."""
    AFTER_COMPLETION = "after completion"
    """The job is finished and paid: a 404 may be fal's storage catching up, so it is tried
    again too, and a final failure keeps the request id for resume to fetch again."""
    SUBMIT = "submit"
    """Tried again only when fal cannot have taken the job (nothing reached it, or it
    answered 429/503); any other failure after the body went out is a lost answer."""


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
             httpx.WriteTimeout)  # fmt: skip
_NOT_TAKEN = frozenset({429, 503})


def with_retries(
    call: Callable[[], T],
    *,
    what: str,
    errors: FalErrors,
    limits: FalLimits,
    cancel: CancelToken,
    request_id: str | None = None,
    retry: Retry = Retry.STANDARD,
) -> T:
    """Run ``call``; retry transient failures with back-off; raise GenerationError otherwise.

    Back-off follows the server's Retry-After when given, else doubles from
    ``backoff_base``; both are capped at ``backoff_max`` and cut short by cancel.
    Each try runs on a helper thread, so a cancel is answered at once even while a
    call hangs (a submit in flight gets a moment to answer: see ``submit_call``).
    """
    attempt = 0
    while True:
        attempt += 1
        cancel.raise_if_cancelled()
        try:
            if retry is Retry.SUBMIT:
                return submit_call(call, cancel, errors, limits)
            return interruptible(call, cancel)
        except (httpx.HTTPError, FalClientHTTPError) as exc:
            # Not chained ("from None"): fal's answer could quote the key, and a --debug
            # traceback would print it. The masked original goes to the debug log instead.
            log.debug("fal %s failed: %s", what, errors.line(repr(exc)))
            if not _try_again(exc, retry):
                raise _final(exc, what, errors, request_id, retry) from None
            if attempt >= limits.attempts:
                raise errors.exhausted(exc, what, attempt) from None
            delay = _delay(exc, attempt, limits)
            log.info(
                "fal %s failed (%s); try %d in %.1f s", what, type(exc).__name__, attempt + 1, delay
            )
            if cancel.wait(delay):
                raise Cancelled() from None
        except (ValueError, KeyError, TypeError) as exc:
            # fal-client parses answers without checking them (JSON, "status" keys).
            if retry is Retry.SUBMIT:
                raise errors.submission_lost("its answer could not be read") from None
            raise errors.unreadable(what) from exc


def _try_again(exc: BaseException, retry: Retry) -> bool:
    failure = http_failure(exc)
    if retry is Retry.SUBMIT:
        return isinstance(exc, _NOT_SENT) or (failure is not None and failure.status in _NOT_TAKEN)
    if retry is Retry.AFTER_COMPLETION and failure is not None and failure.status == 404:
        return True
    return is_transient(exc)


def _final(
    exc: BaseException, what: str, errors: FalErrors, request_id: str | None, retry: Retry
) -> GenerationError:
    failure = http_failure(exc)
    if retry is Retry.SUBMIT and (failure is None or failure.status >= 500):
        return errors.submission_lost(reason(exc))
    if retry is Retry.AFTER_COMPLETION:  # the paid clip is still there: keep the request id
        return errors.not_handed_over(exc, what)
    return errors.translate(exc, what, request_id)


def interruptible(call: Callable[[], T], cancel: CancelToken, grace: float = 0.0) -> T:
    """``call()`` on a helper thread; Cancelled as soon as the token fires.

    httpx cannot abort a request from another thread, so on cancel the call is left to
    finish or time out by itself and its answer is dropped, unless it comes within
    ``grace`` seconds (then it is returned: a submit's answer must not be lost).
    """
    outcome: list = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed to the caller's thread below
            outcome.append((False, exc))
        finally:
            done.set()

    threading.Thread(target=run, name="fal-call", daemon=True).start()
    while not done.wait(CANCEL_POLL_S):
        if cancel.cancelled:
            if not done.wait(grace):
                raise Cancelled()
            break
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def submit_call(
    call: Callable[[], T], cancel: CancelToken, errors: FalErrors, limits: FalLimits
) -> T:
    """One submit: a cancel while it is in flight waits ``submit_grace`` for its answer;
    without one, fal may have taken the job, which is said, never hidden."""
    try:
        return interruptible(call, cancel, grace=limits.submit_grace)
    except Cancelled:
        raise errors.submission_lost("it was cancelled in flight", cancelled=True) from None


def _delay(exc: BaseException, attempt: int, limits: FalLimits) -> float:
    asked = retry_after(exc)
    if asked is None:
        asked = limits.backoff_base * 2 ** (attempt - 1)
    return min(asked, limits.backoff_max)


# -- the seed image ------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    data: bytes
    content_type: str
    file_name: str


def seed_upload(path: Path) -> Upload:
    """The bytes to upload for a seed image (or a face step's reference image).

    An image no longer than ``MAX_UPLOAD_SIDE`` goes up at full quality, whatever
    its byte size: a PNG or JPEG untouched, another format as a PNG. A seed frame
    is a lossless PNG, and a face restoration or a video model must see it as it
    is. Longer ones (a normalised 24 MP input is a ~40 MB PNG) are scaled down to
    ``MAX_UPLOAD_SIDE`` and sent as a quality-95 JPEG without chroma subsampling:
    visually lossless for a model that renders at most 1080p, and 10-50x less to
    upload on a home connection. Done in memory, so no temp file is left behind.
    """
    try:
        with Image.open(path) as image:
            kind, longest = image.format, max(image.size)
            if longest <= MAX_UPLOAD_SIDE and kind in ("PNG", "JPEG"):
                return Upload(path.read_bytes(), f"image/{kind.lower()}", path.name)
            rgb = image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise MediaError(f"cannot read the seed image {path.name}: {exc}") from None
    buffer = io.BytesIO()
    if longest <= MAX_UPLOAD_SIDE:
        rgb.save(buffer, format="PNG")
        return Upload(buffer.getvalue(), "image/png", path.stem + ".png")
    rgb.thumbnail((MAX_UPLOAD_SIDE, MAX_UPLOAD_SIDE), Image.Resampling.LANCZOS)
    # No optimize=True: Pillow then needs the whole JPEG in one buffer of w*h*2 bytes,
    # which a noisy image at quality 95 without subsampling can exceed.
    rgb.save(buffer, format="JPEG", quality=95, subsampling=0)
    return Upload(buffer.getvalue(), "image/jpeg", path.stem + ".jpg")


# -- what fal made -------------------------------------------------------------------


@dataclass(frozen=True)
class _Download:
    noun: str
    """What is fetched, in messages and the retry's ``what`` ("clip download")."""
    suffix: str
    """The temp file's ending; the ``.part`` before it lets tidy remove what a kill leaves."""


_CLIP = _Download("clip", ".mp4")
_IMAGE = _Download("image", ".png")


def download_video(
    url: str,
    dest: Path,
    *,
    errors: FalErrors,
    limits: FalLimits,
    cancel: CancelToken,
) -> VideoInfo:
    """Stream ``url`` into ``dest`` atomically (temp, fsync, rename); check it is a video."""
    with _downloaded(url, dest, _CLIP, errors, limits, cancel) as part:
        info = _check_video(part, errors)
        os.replace(part, dest)
        return info


def download_image(
    url: str,
    dest: Path,
    *,
    errors: FalErrors,
    limits: FalLimits,
    cancel: CancelToken,
) -> tuple[int, int]:
    """Stream ``url`` to a temp file, check Pillow decodes it, and save it to ``dest`` as an
    RGB PNG atomically (lossless, like the seed frames it replaces). Returns its size."""
    with _downloaded(url, dest, _IMAGE, errors, limits, cancel) as part:
        image = _decoded_image(part, errors)
    with atomic_output(dest) as temp, open(temp, "wb") as out:
        image.save(out, format="PNG")
        out.flush()
        os.fsync(out.fileno())
    return image.size


@contextlib.contextmanager
def _downloaded(
    url: str,
    dest: Path,
    kind: _Download,
    errors: FalErrors,
    limits: FalLimits,
    cancel: CancelToken,
) -> Iterator[Path]:
    """The file at ``url``, fetched into a temp file next to ``dest`` (removed afterwards)."""
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.error(f"fal's answer holds no usable {kind.noun} address", retryable=False)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.stem}.{uuid.uuid4().hex[:8]}.part{kind.suffix}")
    try:
        with_retries(
            lambda: _fetch(url, part, kind.noun, errors, limits, cancel),
            what=f"{kind.noun} download",
            errors=errors,
            limits=limits,
            cancel=cancel,
            retry=Retry.AFTER_COMPLETION,
        )
        yield part
    finally:
        part.unlink(missing_ok=True)


def _fetch(
    url: str, part: Path, noun: str, errors: FalErrors, limits: FalLimits, cancel: CancelToken
) -> int:
    deadline = time.monotonic() + limits.download_deadline
    timeout = httpx.Timeout(limits.download_read_timeout, connect=10.0)
    with (
        httpx.Client(timeout=timeout, follow_redirects=True) as http,
        http.stream("GET", url) as response,
    ):
        if response.is_error:
            response.read()  # so the error can quote fal's detail once the stream is closed
            response.raise_for_status()
        _refuse_oversize(response.headers.get("content-length"), noun, errors, limits)
        total = 0
        with open(part, "wb") as out:
            # No chunk size: httpx would buffer up to it, and cancel waits for each chunk.
            for chunk in response.iter_bytes():
                cancel.raise_if_cancelled()
                total += len(chunk)
                _refuse_oversize(total, noun, errors, limits)
                if time.monotonic() > deadline:
                    raise errors.error(
                        f"downloading the {noun} took longer than {limits.download_deadline:g} s; "
                        "resume the session to try again",
                        retryable=True,
                    )
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    return total


def _refuse_oversize(
    size: int | str | None, noun: str, errors: FalErrors, limits: FalLimits
) -> None:
    try:
        value = int(size) if size is not None else 0
    except ValueError:
        return
    if value > limits.max_download_bytes:
        raise errors.error(
            f"fal's {noun} is larger than {_human(limits.max_download_bytes)}; not downloading it",
            retryable=False,
        )


def _human(size: int) -> str:
    return f"{size / MB:g} MB" if size >= MB else f"{size:,} bytes"


def _check_video(path: Path, errors: FalErrors) -> VideoInfo:
    try:
        info = probe(path)
    except MediaError:
        info = None
    if info is None or info.frame_count <= 0:
        raise errors.error("fal's clip is not a playable video", retryable=False)
    return info


def _decoded_image(path: Path, errors: FalErrors) -> Image.Image:
    """The whole image decoded as RGB (a truncated file fails here, not in the next step)."""
    try:
        with Image.open(path) as image:
            return image.convert("RGB")
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        raise errors.error("fal's image could not be read", retryable=False) from None
