"""Where the artist's image comes in: drag-and-drop, click to browse, or paste."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent, QImage, QMouseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.gui.images import InputPreview
from scenemaker_desktop.gui.theme import icon, on_theme_change
from scenemaker_desktop.gui.widgets import ElidedLabel, ImageView, label, set_state

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif);;All files (*)"
HINT = "Drop an image here\nor click to browse · paste with Ctrl+V"


def file_from_mime(mime: QMimeData) -> Path | None:
    """The first local file named by dropped or pasted data."""
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile():
            return Path(url.toLocalFile())
    text = mime.text().strip() if mime.hasText() else ""
    if text.startswith("file://"):
        return Path(QUrl(text.splitlines()[0]).toLocalFile())
    return None


class DropZone(QFrame):
    """Shows the input image; emits what the user handed over, never reads files itself."""

    file_chosen = Signal(Path)
    image_pasted = Signal(QImage)
    downscale_requested = Signal()
    """The artist accepted the offer to use a smaller copy of a refused image."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(220)
        self.path: Path | None = None
        self.name = ""
        self._build()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 10, 10, 10)
        outer.setSpacing(6)
        self._stack = QStackedLayout()
        self._stack.addWidget(self._empty_page())
        self.view = ImageView(self)
        self._stack.addWidget(self.view)
        outer.addLayout(self._stack, 1)
        self.caption = ElidedLabel("", "hint")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("", "error", wrap=True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.hide()
        self.downscale_button = QPushButton("Use a downscaled copy")
        self.downscale_button.setToolTip("Your file stays as it is; SceneMaker works on a copy")
        self.downscale_button.clicked.connect(self.downscale_requested)
        self.downscale_button.hide()
        outer.addWidget(self.caption)
        outer.addWidget(self.message)
        outer.addWidget(self.downscale_button, 0, Qt.AlignmentFlag.AlignHCenter)

    def _empty_page(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        self._art = QLabel(page)
        self._art.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._paint_art()
        on_theme_change(self._paint_art)
        self.hint = label(HINT, "muted", wrap=True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._art)
        layout.addWidget(self.hint)
        layout.addStretch(1)
        return page

    def _paint_art(self) -> None:
        self._art.setPixmap(icon("image", "muted", 40).pixmap(QSize(40, 40)))

    # -- what the window tells it ------------------------------------------------------

    def show_loading(self, name: str) -> None:
        self.caption.setText(f"Checking {name}…")
        self.message.hide()
        self.downscale_button.hide()

    def show_preview(self, preview: InputPreview, name: str = "") -> None:
        """Show the checked image; ``name`` stands for the file name of a session's copy."""
        self.path, self.name = preview.path, name or preview.path.name
        self.view.set_image(preview.image)
        self._stack.setCurrentIndex(1)
        self.caption.setText(f"{self.name} · {preview.width}×{preview.height} · {preview.format}")
        self.message.hide()
        self.downscale_button.hide()
        set_state(self, "loaded", True)
        set_state(self, "invalid", False)

    def show_error(self, message: str, offer_downscale: bool = False) -> None:
        """A refused file: say why, keep the image that was already there (if any).

        ``offer_downscale``: the file only has too many pixels; offer a smaller copy."""
        self.message.setText(message)
        self.message.show()
        self.downscale_button.setVisible(offer_downscale)
        if self.path is None:
            self.caption.setText("")
        else:
            self.caption.setText(f"Still using {self.name}")
        set_state(self, "invalid", True)

    def clear(self) -> None:
        self.path = None
        self.view.set_image(None)
        self._stack.setCurrentIndex(0)
        self.caption.setText("")
        self.message.hide()
        set_state(self, "loaded", False)
        set_state(self, "invalid", False)

    # -- what the user does ------------------------------------------------------------

    def accept_mime(self, mime: QMimeData) -> bool:
        """The drop and paste slot: a local file, else a bitmap. False when neither."""
        path = file_from_mime(mime)
        if path is not None:
            self.file_chosen.emit(path)
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.image_pasted.emit(image)
                return True
        return False

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose an image", "", IMAGE_FILTER)
        if name:
            self.file_chosen.emit(Path(name))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.browse()
        super().mouseReleaseEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if file_from_mime(mime) is not None or mime.hasImage():
            event.acceptProposedAction()
            set_state(self, "hover", True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        set_state(self, "hover", False)

    def dropEvent(self, event: QDropEvent) -> None:
        set_state(self, "hover", False)
        if self.accept_mime(event.mimeData()):
            event.acceptProposedAction()
