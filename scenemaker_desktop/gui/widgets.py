"""Small building blocks shared by the panels: cards, titles, an image view, chips."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

MARGIN = 16
SPACING = 10


def repolish(widget: QWidget) -> None:
    """Re-read the style sheet after a dynamic property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    widget.update()


def set_state(widget: QWidget, name: str, value: object) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        repolish(widget)


def card(title: str | None = None, parent: QWidget | None = None) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame(parent)
    frame.setObjectName("card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(MARGIN, MARGIN - 2, MARGIN, MARGIN)
    layout.setSpacing(SPACING)
    if title:
        layout.addWidget(section_title(title))
    return frame, layout


def section_title(text: str) -> QLabel:
    label = QLabel(text.upper())
    label.setObjectName("sectionTitle")
    return label


def label(text: str = "", name: str | None = None, wrap: bool = False) -> QLabel:
    widget = QLabel(text)
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    return widget


def vertical_scroll(content: QWidget) -> QScrollArea:
    """``content`` scrolling up and down, never sideways (it takes the view's width)."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(content)
    return scroll


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" when it does not fit, instead of pushing its
    column wider (long actions and prompts are normal here)."""

    def __init__(self, text: str = "", name: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.width())
        super().setText(shown)


class Chip(QLabel):
    """A small coloured status label; its colour follows the ``state`` property."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("chip")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_state(self, state: str, text: str) -> None:
        self.setText(text)
        set_state(self, "state", state)


class ImageView(QWidget):
    """Paints an image scaled to fit, centred, with rounded corners."""

    def __init__(self, parent: QWidget | None = None, radius: float = 8.0) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self._radius = radius
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self._pixmap = QPixmap.fromImage(image) if image is not None else QPixmap()
        self.update()

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def sizeHint(self) -> QSize:
        return QSize(320, 200)

    def paintEvent(self, event: object) -> None:
        if self._pixmap.isNull():
            return
        size = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        target = QRectF(x, y, size.width(), size.height())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        path = QPainterPath()
        path.addRoundedRect(target, self._radius, self._radius)
        painter.setClipPath(path)
        painter.drawPixmap(target, self._pixmap, QRectF(self._pixmap.rect()))
        painter.end()


def cover_pixmap(image: QImage, size: QSize) -> QPixmap:
    """``image`` filling ``size`` exactly: scaled to cover it, the overflow cut evenly."""
    scaled = image.scaled(
        size,
        Qt.AspectRatioMode.KeepAspectRatioByExpanding,
        Qt.TransformationMode.SmoothTransformation,
    )
    x, y = (scaled.width() - size.width()) // 2, (scaled.height() - size.height()) // 2
    return QPixmap.fromImage(scaled.copy(x, y, size.width(), size.height()))


def pretty_choice(value: str) -> str:
    """How a catalog value reads in a menu: push_in → Push in, 3d_animation → 3D animation."""
    text = str(value).replace("_", " ")
    if text[:2].lower() == "3d":
        return "3D" + text[2:]
    if text and text[0].isalpha():
        return text[0].upper() + text[1:]
    return text


def short(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with "…" (for titles inside sentences)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes}:{secs:02d}"


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"
