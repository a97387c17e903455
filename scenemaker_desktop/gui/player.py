"""The video player: QMediaPlayer into a QVideoWidget, with play/pause and scrubbing.

QtMultimedia is imported when the first video is loaded (or when ``warm_up``
runs after the window is painted), so it never delays the first paint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSlider,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import ImageView, fmt_seconds, label

PLACEHOLDER = "Generated videos play here"


class Player(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media: Any = None
        self.video_widget: Any = None
        self.source: Path | None = None
        self._scrubbing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self._stack = QStackedWidget()
        self.placeholder = label(PLACEHOLDER, "videoPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack.addWidget(self.placeholder)
        self.still = ImageView(radius=8)
        self.still.setObjectName("videoStill")
        self.still.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._stack.addWidget(self.still)
        layout.addWidget(self._stack, 1)
        layout.addLayout(self._controls())

    def _controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(10)
        self.play_button = QToolButton()
        self.play_button.setObjectName("flat")
        bind_icon(self.play_button, "play")
        self.play_button.setIconSize(QSize(18, 18))
        self.play_button.setToolTip("Play / pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.sliderPressed.connect(self._scrub_start)
        self.slider.sliderReleased.connect(self._scrub_end)
        self.slider.sliderMoved.connect(self._scrub_to)
        self.time = label("0:00 / 0:00", "hint")
        self.time.setMinimumWidth(86)
        self.time.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.play_button)
        row.addWidget(self.slider, 1)
        row.addWidget(self.time)
        self._set_controls_enabled(False)
        return row

    def warm_up(self) -> None:
        """Create the media objects now (call after the first paint)."""
        if self.media is not None:
            return
        from PySide6.QtMultimedia import QMediaPlayer
        from PySide6.QtMultimediaWidgets import QVideoWidget

        self.video_widget = QVideoWidget()
        self.video_widget.setObjectName("videoSurface")
        self.video_widget.setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self._stack.addWidget(self.video_widget)
        self.media = QMediaPlayer(self)
        self.media.setVideoOutput(self.video_widget)
        self.media.positionChanged.connect(self._position_changed)
        self.media.durationChanged.connect(self._duration_changed)
        self.media.playbackStateChanged.connect(self._state_changed)
        self.media.setLoops(-1)  # QMediaPlayer.Loops.Infinite

    def load(self, path: Path, autoplay: bool = True) -> None:
        self.warm_up()
        self.source = Path(path)
        self._stack.setCurrentWidget(self.video_widget)
        self.media.setSource(QUrl.fromLocalFile(str(path)))
        self._set_controls_enabled(True)
        if autoplay:
            self.media.play()
        else:
            self.media.pause()

    def show_still(self, image: QImage) -> None:
        """A picture in place of the video (a chain just finished while others render).

        Cheaper than playing: decoding video next to running renders slows both, and
        without a GPU Qt converts every frame on the GUI thread.
        """
        if self.is_playing():
            return
        self.stop()
        self.source = None
        self.still.set_image(image)
        self._stack.setCurrentWidget(self.still)
        self._set_controls_enabled(False)

    def clear(self) -> None:
        if self.media is not None:
            self.media.stop()
            self.media.setSource(QUrl())
        self.source = None
        self._stack.setCurrentWidget(self.placeholder)
        self._set_controls_enabled(False)
        self.time.setText("0:00 / 0:00")

    def toggle(self) -> None:
        if self.media is None or self.source is None:
            return
        from PySide6.QtMultimedia import QMediaPlayer

        if self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.media.pause()
        else:
            self.media.play()

    def is_playing(self) -> bool:
        if self.media is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def stop(self) -> None:
        if self.media is not None:
            self.media.stop()

    def _set_controls_enabled(self, enabled: bool) -> None:
        self.play_button.setEnabled(enabled)
        self.slider.setEnabled(enabled)

    def _state_changed(self, state: object) -> None:
        bind_icon(self.play_button, "pause" if self.is_playing() else "play")

    def _duration_changed(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self._show_time()

    def _position_changed(self, position: int) -> None:
        if not self._scrubbing:
            self.slider.setValue(position)
        self._show_time()

    def _show_time(self) -> None:
        if self.media is None:
            return
        now, total = self.media.position() / 1000, self.media.duration() / 1000
        self.time.setText(f"{fmt_seconds(now)} / {fmt_seconds(total)}")

    def _scrub_start(self) -> None:
        self._scrubbing = True

    def _scrub_to(self, position: int) -> None:
        if self.media is not None:
            self.media.setPosition(position)

    def _scrub_end(self) -> None:
        self._scrubbing = False
        if self.media is not None:
            self.media.setPosition(self.slider.value())
