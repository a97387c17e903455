"""Errors written for the person reading them.

Every error a user can act on is a ``SceneMakerError`` whose ``str()`` is one
clear line. The CLI prints that line; the GUI shows it inline. Anything else
that escapes is a bug and is reported as such (traceback only with --debug).
"""

from __future__ import annotations


class SceneMakerError(Exception):
    """Base for every error whose message is meant for the user."""


class InputImageError(SceneMakerError):
    """The input image cannot be used (not an image, too small, too big, damaged)."""


class ImageTooLargeError(InputImageError):
    """The input image has more pixels than intake accepts.

    ``downscalable`` is True when a copy scaled to fit (``images.downscale_image``) would be
    accepted; False beyond the hard limit, where the file is refused as a possible
    decompression bomb, or when the scaled copy would be too thin to use.
    """

    def __init__(self, message: str, *, megapixels: float, downscalable: bool) -> None:
        super().__init__(message)
        self.megapixels = megapixels
        """The image's size; the hard limit itself when Pillow only said "more than that"."""
        self.downscalable = downscalable


class ValidationError(SceneMakerError):
    """A request parameter is unknown or out of range."""


class SessionNotFoundError(SceneMakerError):
    """No session with that id exists (or the id is malformed)."""


class SessionDamagedError(SceneMakerError):
    """A session folder exists but its session.json cannot be read."""


class SessionBusyError(SceneMakerError):
    """Another live process holds the session's lock."""


class StorageError(SceneMakerError):
    """The sessions folder cannot be created or written."""


class MediaError(SceneMakerError):
    """ffmpeg failed or a media file is unreadable."""


class GenerationError(SceneMakerError):
    """A generator (local or cloud) failed to produce a clip.

    ``retryable`` is True when the request itself may still be fine (network
    trouble, retries exhausted): resume then re-polls the saved request id
    instead of paying for a new one.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class SubmissionLostError(GenerationError):
    """A submit was sent and its answer never came: the service may have queued (and will
    charge for) a job we cannot see. Never retried by itself; the runner records it."""

    def __init__(self, message: str, *, cancelled: bool = False) -> None:
        super().__init__(message, retryable=False)
        self.cancelled = cancelled
        """True when it was the user's cancel that stopped waiting for the answer."""


class BackendUnavailableError(SceneMakerError):
    """The chosen model needs a backend or key that is not configured."""


class Cancelled(Exception):
    """Raised inside engine work when the user's cancel token fires.

    Not a SceneMakerError: cancelling is a normal outcome, not a failure.
    """
