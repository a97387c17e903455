"""The centre column's two faces: the storyboard before paying, the video after.

One face at a time keeps both usable at 1024×640, where a third pane would
squeeze the player below its minimum. A segmented switch flips them; the studio
flips to Video when a session plays and back to Storyboard after a new analysis.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.gui.widgets import set_state


class CentreSwitch(QWidget):
    def __init__(self, storyboard: QWidget, video: QWidget, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.stack = QStackedWidget()
        self.stack.addWidget(storyboard)
        self.stack.addWidget(video)
        self.storyboard_button = self._segment("Storyboard", "The plan, chain by chain", 0)
        self.video_button = self._segment("Video", "The session shown: player and clips", 1)
        set_state(self.storyboard_button, "first", True)
        set_state(self.video_button, "last", True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        row = QHBoxLayout()
        row.setSpacing(0)
        for button in (self.storyboard_button, self.video_button):
            group.addButton(button)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.stack, 1)
        self.show_storyboard()

    def _segment(self, text: str, tip: str, page: int) -> QToolButton:
        button = QToolButton()
        button.setObjectName("segment")
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.clicked.connect(lambda: self.stack.setCurrentIndex(page))
        return button

    def show_storyboard(self) -> None:
        self.storyboard_button.setChecked(True)
        self.stack.setCurrentIndex(0)

    def show_video(self) -> None:
        self.video_button.setChecked(True)
        self.stack.setCurrentIndex(1)

    def showing_storyboard(self) -> bool:
        return self.stack.currentIndex() == 0
