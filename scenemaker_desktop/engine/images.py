"""Input image intake: refuse what cannot be used, normalise what can.

Every refusal is an ``InputImageError`` whose message is one line that names the
file and the problem (the rules are in docs/ARCHITECTURE.md, "Contracts kept").
Sizes are checked from the header before any pixel is decoded, so a
decompression bomb is never expanded.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from scenemaker_desktop.engine.errors import InputImageError

MIN_SHORT_SIDE = 64
MAX_MEGAPIXELS = 50
_SNIFF_BYTES = 4096
# Decoders report damage through a zoo of exception types depending on the format.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)
_BOMB_PIXELS = re.compile(r"Image size \((\d+) pixels\)")
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})
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


def open_checked(path: Path) -> Image.Image:
    """Open ``path`` lazily after the file, type and size checks (no pixels decoded).

    The caller owns the returned image and should close it (it is a context manager).
    """
    path = Path(path)
    _check_file(path)
    head = _read_head(path)
    _refuse_vector_documents(path, head)
    im = _open_raster(path, head)
    try:
        _check_size(path, im.size)
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
        raise InputImageError(_bomb_message(path, exc)) from exc
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


def _check_size(path: Path, size: tuple[int, int]) -> None:
    width, height = size
    megapixels = width * height / 1_000_000
    if megapixels > MAX_MEGAPIXELS:
        raise InputImageError(
            f"{path.name} is too large: {width}×{height} px is {megapixels:.1f} megapixels, "
            f"at most {MAX_MEGAPIXELS}"
        )
    if min(width, height) < MIN_SHORT_SIDE:
        raise InputImageError(
            f"{path.name} is too small: {width}×{height} px, "
            f"the short side must be at least {MIN_SHORT_SIDE} px"
        )


def _bomb_message(path: Path, exc: Exception) -> str:
    match = _BOMB_PIXELS.search(str(exc))
    amount = f"{int(match.group(1)) / 1_000_000:.1f}" if match else f"more than {MAX_MEGAPIXELS}"
    return f"{path.name} is too large: {amount} megapixels, at most {MAX_MEGAPIXELS}"


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


def _save_png_atomically(im: Image.Image, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.stem}.", suffix=".png.tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            im.save(handle, format="PNG")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
