"""Image loading for display, done on worker threads (QImage is thread-safe; QPixmap is not).

The input image goes through the engine's own checks first, so the drop zone
refuses exactly what a session would refuse, with the engine's message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import ImageOps
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from scenemaker_desktop.engine.errors import InputImageError
from scenemaker_desktop.engine.images import flatten_to_rgb, inspect_image, open_checked

PREVIEW_SIDE = 1024


@dataclass(frozen=True)
class InputPreview:
    path: Path
    image: QImage
    width: int
    height: int
    format: str


def load_input_preview(path: Path, max_side: int = PREVIEW_SIDE) -> InputPreview:
    """Check ``path`` as an input image and return a display-sized copy (raises InputImageError)."""
    info = inspect_image(path)
    with open_checked(path) as im:
        upright = ImageOps.exif_transpose(im) or im
        rgb = flatten_to_rgb(upright)
    rgb.thumbnail((max_side, max_side))
    data = rgb.tobytes("raw", "RGB")
    image = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()
    return InputPreview(Path(path), image, info.width, info.height, info.format)


def load_thumbnail(path: Path | None, max_side: int = 480) -> QImage:
    """A thumbnail the engine wrote (jpg); a null QImage when it is missing or unreadable."""
    if path is None or not Path(path).is_file():
        return QImage()
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_side:
        reader.setScaledSize(
            size.scaled(QSize(max_side, max_side), Qt.AspectRatioMode.KeepAspectRatio)
        )
    image = reader.read()
    return image if not image.isNull() else QImage()


def save_pasted_image(image: QImage, folder: Path) -> Path:
    """Write a pasted bitmap to a file so it can go through the normal intake."""
    folder.mkdir(parents=True, exist_ok=True)
    index = len(list(folder.glob("pasted-*.png"))) + 1
    path = folder / f"pasted-{index:03d}.png"
    if not image.save(str(path), "PNG"):
        raise InputImageError("the pasted image could not be saved")
    return path
