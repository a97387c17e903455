"""Input image intake: refuse what cannot be used, normalise what can.

Every refusal is an ``InputImageError`` whose message is one line that names the
file and the problem (the rules are in docs/ARCHITECTURE.md, "Contracts kept").
Sizes are checked from the header before any pixel is decoded, so a
decompression bomb is never expanded. An image refused only for having too many
pixels can be offered as a downscaled copy (``downscale_image``).
"""

from __future__ import annotations

import math
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from scenemaker_desktop.engine.errors import ImageTooLargeError, InputImageError

MIN_SHORT_SIDE = 64
MAX_MEGAPIXELS = 50
# Beyond this a file is refused as a possible decompression bomb, with no offer to downscale:
# a 250 MP RGB image decodes to ~750 MB (1 GB with alpha), still within reach of an ordinary
# computer, and the photos, scans and paintings people bring stay below it.
HARD_MAX_MEGAPIXELS = 250
# A little under the limit, so that rounding can never push a downscaled copy over it.
DOWNSCALE_TARGET_MEGAPIXELS = 48
# Pillow's own guard (a warning above this, an error above twice it) is lined up with the hard
# limit once, at import, so it never refuses what may be downscaled. It is process-wide, and
# changing it around each open would race between threads; below it our own checks decide.
Image.MAX_IMAGE_PIXELS = HARD_MAX_MEGAPIXELS * 1_000_000
_SNIFF_BYTES = 4096
# Decoders report damage through a zoo of exception types depending on the format.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)
_BOMB_PIXELS = re.compile(r"Image size \((\d+) pixels\)")
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
# Modes whose channels LANCZOS can blend as stored (Pillow premultiplies alpha). Palette indices,
# 1-bit images and colour keys (exact values) are converted to RGB before resampling instead.
_RESAMPLE_AS_STORED = frozenset({"RGB", "L", "CMYK", "RGBA", "LA"})
# EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Pillow "converts" LAB to RGB by relabelling channels, so LAB is refused, not garbled.
CONVERTIBLE_MODES = frozenset(
    {"1", "L", "P", "RGB", "RGBX", "CMYK", "YCbCr", "HSV", "F"} | _ALPHA_MODES | _SIXTEEN_BIT_MODES
)


@dataclass(frozen=True)
class ImageInfo:
    width: int
    height: int
    format: str
    mode: str
    frames: int


def inspect_image(path: Path) -> ImageInfo:
    """Check that ``path`` is a usable raster image and describe it.

    The whole first frame is decoded so truncated or corrupt files are refused
    here rather than half-way through a generation.
    """
    path = Path(path)
    with open_checked(path) as im:
        info = _info_of(im)
        _decode(im, path)
    return info


def normalise_image(src: Path, dest: Path) -> ImageInfo:
    """Write ``src`` as an upright 8-bit RGB PNG at ``dest`` (atomically).

    Applies EXIF orientation, keeps the first frame of animations and flattens
    transparency over white, so every later step sees the same kind of image.
    """
    src, dest = Path(src), Path(dest)
    with open_checked(src) as im:
        _decode(im, src)
        rgb = flatten_to_rgb(_upright(im))
    # Fresh info: a CMYK or grey ICC profile copied into an RGB PNG would be wrong.
    rgb.info = {}
    _save_png_atomically(rgb, dest)
    return ImageInfo(width=rgb.width, height=rgb.height, format="PNG", mode="RGB", frames=1)


def downscale_image(src: Path, dest_dir: Path) -> Path:
    """Write a copy of ``src`` that fits MAX_MEGAPIXELS into ``dest_dir``; return its path.

    For images refused with a downscalable ``ImageTooLargeError``: the copy,
    ``<stem>-downscaled.png``, is about DOWNSCALE_TARGET_MEGAPIXELS with the same aspect ratio,
    upright 8-bit RGB like ``normalise_image``'s output, and written atomically. Every other
    intake rule still holds, so an image beyond HARD_MAX_MEGAPIXELS is refused.
    """
    src = Path(src)
    dest = Path(dest_dir) / f"{src.stem}-downscaled.png"
    with _open_checked(src, downscaling=True) as im:
        size = _fitted_size(im.size)
        # JPEG only: decode at 1/2, 1/4 or 1/8 scale while that still covers ``size``, so a JPEG
        # of 192 MP or more is decoded at a quarter of its pixels. Other formats ignore it.
        im.draft(None, size)
        _decode(im, src)
        orientation = _orientation(im)
        small = _resample(im, size)
    upright = _orient(small, orientation)
    upright.info = {}  # as in normalise_image: no profile or key meant for another mode
    # Fast compression: intake reads the copy once and re-encodes it; the default level takes
    # about four times as long on a detailed 48 MP image (12 s against 3 s).
    _save_png_atomically(upright, dest, compress_level=1)
    return dest


def open_checked(path: Path) -> Image.Image:
    """Open ``path`` lazily after the file, type and size checks (no pixels decoded).

    The caller owns the returned image and should close it (it is a context manager).
    """
    return _open_checked(Path(path), downscaling=False)


def _open_checked(path: Path, *, downscaling: bool) -> Image.Image:
    _check_file(path)
    head = _read_head(path)
    _refuse_vector_documents(path, head)
    im = _open_raster(path, head)
    try:
        _check_size(path, im.size, downscaling=downscaling)
        if im.mode not in CONVERTIBLE_MODES:
            raise InputImageError(
                f"{path.name} uses the {im.mode} colour mode, which cannot be converted to RGB"
            )
    except InputImageError:
        im.close()
        raise
    return im


def flatten_to_rgb(im: Image.Image) -> Image.Image:
    """Return an 8-bit RGB copy of ``im`` (16-bit scaled, CMYK converted, alpha on white)."""
    if im.mode not in CONVERTIBLE_MODES:
        raise ValueError(f"no RGB conversion for mode {im.mode}")
    if im.mode in _SIXTEEN_BIT_MODES:
        return _scale_to_8_bit(im).convert("RGB")
    if im.mode == "F":
        return _to_8_bit_from_float(im).convert("RGB")
    if im.mode in _ALPHA_MODES or "transparency" in im.info:
        return _composite_on_white(im)
    return im.copy() if im.mode == "RGB" else im.convert("RGB")


def _check_file(path: Path) -> None:
    name = path.name or str(path)
    if path.is_dir():
        raise InputImageError(f"{name} is a folder, not an image file")
    if not path.exists():
        raise InputImageError(f"{name} does not exist")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputImageError(f"{name} cannot be read: {exc.strerror or exc}") from exc
    if size == 0:
        raise InputImageError(f"{name} is empty (0 bytes)")


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise InputImageError(f"{path.name} cannot be read: {exc.strerror or exc}") from exc


def _refuse_vector_documents(path: Path, head: bytes) -> None:
    # Checked before Pillow so a plugin that happens to half-read them never gets a say.
    if head.startswith(b"%PDF-"):
        raise InputImageError(f"{path.name} is a PDF document, not a raster image")
    lowered = _text_start(head).lower()
    if lowered.startswith(b"<svg") or (lowered.startswith(b"<?xml") and b"<svg" in lowered):
        raise InputImageError(f"{path.name} is an SVG drawing, not a raster image")


def _open_raster(path: Path, head: bytes) -> Image.Image:
    try:
        # Pillow warns (not raises) between 1x and 2x its own pixel limit; make that an
        # error so nothing reaches stderr. Should catch_warnings race between threads,
        # the filter it could leave behind is this same one, which is harmless.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _bomb_refusal(path, exc) from exc
    except UnidentifiedImageError as exc:
        raise InputImageError(_unreadable_message(path, head)) from exc
    except DECODE_ERRORS as exc:
        raise InputImageError(f"{path.name} is damaged and cannot be read ({exc})") from exc


def _text_start(head: bytes) -> bytes:
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def _unreadable_message(path: Path, head: bytes) -> str:
    start = _text_start(head).lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:512]:
        return f"{path.name} is an HTML page, not an image"
    if _looks_like_text(head):
        return f"{path.name} is a text file, not an image"
    return f"{path.name} is not an image Pillow can read"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # A multi-byte character may be cut at the end of the sniffed block.
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3
    return True


def _check_size(path: Path, size: tuple[int, int], *, downscaling: bool) -> None:
    width, height = size
    too_large = width * height / 1_000_000 > MAX_MEGAPIXELS
    if too_large and not (downscaling and _downscalable(size)):
        raise _too_large(path, size)
    if min(width, height) < MIN_SHORT_SIDE:
        raise InputImageError(
            f"{path.name} is too small: {width}×{height} px, "
            f"the short side must be at least {MIN_SHORT_SIDE} px"
        )


def _too_large(path: Path, size: tuple[int, int]) -> ImageTooLargeError:
    width, height = size
    megapixels = width * height / 1_000_000
    downscalable = _downscalable(size)
    # Front-neutral: each front says how to ask for the copy (a flag, a button).
    offer = "; it can be downscaled to fit" if downscalable else ""
    return ImageTooLargeError(
        f"{path.name} is too large: {width}×{height} px is {megapixels:.1f} megapixels, "
        f"at most {MAX_MEGAPIXELS}{offer}",
        megapixels=megapixels,
        downscalable=downscalable,
    )


def _bomb_refusal(path: Path, exc: Exception) -> ImageTooLargeError:
    # Pillow's guard is set to the hard limit (see MAX_IMAGE_PIXELS above): no offer here.
    match = _BOMB_PIXELS.search(str(exc))
    megapixels = int(match.group(1)) / 1_000_000 if match else float(HARD_MAX_MEGAPIXELS)
    amount = f"{megapixels:.1f}" if match else f"more than {HARD_MAX_MEGAPIXELS}"
    return ImageTooLargeError(
        f"{path.name} is too large: {amount} megapixels, at most {MAX_MEGAPIXELS}",
        megapixels=megapixels,
        downscalable=False,
    )


def _downscalable(size: tuple[int, int]) -> bool:
    """Whether a copy scaled to fit would pass intake: not a bomb, not too thin once scaled."""
    width, height = size
    within_hard_limit = width * height / 1_000_000 <= HARD_MAX_MEGAPIXELS
    return within_hard_limit and min(_fitted_size(size)) >= MIN_SHORT_SIDE


def _fitted_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled (never up) to about DOWNSCALE_TARGET_MEGAPIXELS, keeping its aspect."""
    width, height = size
    scale = min(1.0, math.sqrt(DOWNSCALE_TARGET_MEGAPIXELS * 1_000_000 / (width * height)))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _info_of(im: Image.Image) -> ImageInfo:
    return ImageInfo(
        width=im.width,
        height=im.height,
        format=im.format or "unknown",
        mode=im.mode,
        frames=int(getattr(im, "n_frames", 1)),
    )


def _decode(im: Image.Image, path: Path) -> None:
    # Truncation is only an error while PIL.ImageFile.LOAD_TRUNCATED_IMAGES keeps its default
    # (False). It is process-wide, so it is left alone here and nothing in the app sets it.
    try:
        im.seek(0)
        im.load()
    except DECODE_ERRORS as exc:
        raise InputImageError(f"{path.name} is damaged or truncated and cannot be decoded") from exc


def _upright(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im)
    except DECODE_ERRORS:
        # The pixels decoded already, so only the EXIF block is broken: keep the picture as
        # stored rather than refuse it over metadata.
        return im.copy()


def _orientation(im: Image.Image) -> int:
    try:
        return int(im.getexif().get(ExifTags.Base.Orientation, 1))
    except DECODE_ERRORS:
        return 1  # a broken EXIF block: keep the picture as stored, as _upright does


def _orient(im: Image.Image, orientation: int) -> Image.Image:
    # Turning the small copy rather than the full-size image spares a second full-size buffer.
    transpose = _UPRIGHT_TRANSPOSE.get(orientation)
    return im if transpose is None else im.transpose(transpose)


def _resample(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """An 8-bit RGB copy of ``im`` at ``size``; converted after resampling where that is safe,
    so only the small copy is converted."""
    if im.mode in _RESAMPLE_AS_STORED and "transparency" not in im.info:
        return flatten_to_rgb(im.resize(size, Image.Resampling.LANCZOS))
    return flatten_to_rgb(im).resize(size, Image.Resampling.LANCZOS)


def _scale_to_8_bit(im: Image.Image) -> Image.Image:
    wide = im if im.mode == "I" else im.convert("I")
    low, high = wide.getextrema()
    if low >= 0 and high <= 255 and im.mode == "I":
        return wide.convert("L")
    if low >= 0 and high <= 65535:
        # 16-bit samples: 65535 maps to 255 exactly; + 0.5 rounds where Pillow truncates.
        return wide.point(lambda value: value * (255 / 65535) + 0.5).convert("L")
    return _to_8_bit_from_float(wide.convert("F"))


def _to_8_bit_from_float(im: Image.Image) -> Image.Image:
    low, high = im.getextrema()
    if low >= 0 and high <= 1:
        # The usual convention for float images: 0.0 is black, 1.0 is white.
        low, high = 0.0, 1.0
    span = (high - low) or 1
    return im.point(lambda value: (value - low) * (255 / span) + 0.5).convert("L")


def _composite_on_white(im: Image.Image) -> Image.Image:
    rgba = im.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, (255, 255, 255))
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas


def _save_png_atomically(im: Image.Image, dest: Path, compress_level: int = 6) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.stem}.", suffix=".png.tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            im.save(handle, format="PNG", compress_level=compress_level)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
