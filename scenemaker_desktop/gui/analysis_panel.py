"""The action and the five analysis fields: filled by Analyze, always editable."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.vision.base import ImageAnalysis
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import label, set_state

FIELDS = (
    ("theme", "Theme", "The overall mood and genre"),
    ("background", "Background", "Where the scene takes place"),
    ("main_subject", "Main subject", "Who or what the clip is about"),
    ("tone_and_color", "Tone & colour", "Light, palette and contrast to keep"),
)
SOURCE_NAMES = {"offline": "offline analysis", "openai": "OpenAI vision"}
NO_IMAGE = "Add an image to analyze it"


class TextField(QPlainTextEdit):
    """A plain-text box that grows with its text between ``lines`` and ``max_lines``."""

    def __init__(
        self, lines: int, placeholder: str, parent: QWidget | None = None, max_lines: int = 5
    ) -> None:
        super().__init__(parent)
        self._min_lines, self._max_lines = lines, max(lines, max_lines)
        self.setPlaceholderText(placeholder)
        self.setTabChangesFocus(True)
        self._suggesting = False
        self.textChanged.connect(self._fit)
        self.textChanged.connect(self._edited)
        self._fit()

    @property
    def suggested(self) -> bool:
        """The text is the machine's suggestion, not yet touched by the artist."""
        return bool(self.property("suggested"))

    def suggest(self, text: str) -> None:
        """Fill in machine-written text, styled as a suggestion until the artist edits it."""
        self._suggesting = True
        try:
            self.setPlainText(text)
        finally:
            self._suggesting = False
        set_state(self, "suggested", bool(text))

    def _edited(self) -> None:
        if not self._suggesting:
            set_state(self, "suggested", False)

    def text(self) -> str:
        return " ".join(self.toPlainText().split())

    def _line_count(self) -> int:
        count, block = 0, self.document().begin()
        while block.isValid():
            layout = block.layout()
            count += max(1, layout.lineCount() if layout is not None else 1)
            block = block.next()
        return count

    def _fit(self) -> None:
        count = self._line_count()
        lines = min(max(count, self._min_lines), self._max_lines)
        # Grown to fit, the text needs no scroll bar (a stub of one hides a column of text).
        policy = Qt.ScrollBarPolicy
        fits = count <= self._max_lines
        self.setVerticalScrollBarPolicy(
            policy.ScrollBarAlwaysOff if fits else policy.ScrollBarAsNeeded
        )
        spacing = QFontMetrics(self.font()).lineSpacing()
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        height = lines * spacing + margins + 2 * int(self.document().documentMargin()) + 4
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        self._fit()


class AnalysisPanel(QWidget):
    analyze_requested = Signal()
    changed = Signal()
    """The action or an analysis field changed (not the scene vision)."""
    vision_update_requested = Signal()
    vision_edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.action = TextField(2, 'What happens? e.g. "she turns and walks into the fog"')
        self.action.setToolTip("The action direction: what happens over the whole video.")
        layout.addWidget(label("Action", "heading"))
        layout.addWidget(self.action)
        layout.addLayout(self._analyze_row())
        self.fields: dict[str, TextField] = {}
        form = QFormLayout()
        form.setSpacing(8)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for key, title, tip in FIELDS:
            box = TextField(1, tip, max_lines=4)
            box.setToolTip(tip)
            box.textChanged.connect(self.changed)
            self.fields[key] = box
            form.addRow(label(title, "muted"), box)
        layout.addLayout(form)
        layout.addLayout(self._vision_rows())
        self.action.textChanged.connect(self.changed)

    def _vision_rows(self) -> QVBoxLayout:
        """The plan's scene vision: written with the plan, the artist's to edit."""
        box = QVBoxLayout()
        box.setSpacing(6)
        row = QHBoxLayout()
        row.addWidget(label("Scene vision", "muted"), 1)
        self.vision_button = QPushButton("Update")
        bind_icon(self.vision_button, "refresh", size=16)
        self.vision_button.setToolTip(
            "Write the scene vision (and the unlocked beats) again from the fields above"
        )
        self.vision_button.clicked.connect(self.vision_update_requested)
        row.addWidget(self.vision_button)
        box.addLayout(row)
        self.vision = TextField(
            3, "The whole story in a few sentences, written with the plan", max_lines=8
        )
        self.vision.setToolTip("The story of the whole video; every chain's beat follows it")
        self.vision.textChanged.connect(self.vision_edited)
        box.addWidget(self.vision)
        return box

    def vision_text(self) -> str:
        return self.vision.toPlainText().strip()

    def suggest_vision(self, text: str) -> None:
        self.vision.suggest(text)

    def set_vision(self, text: str) -> None:
        """A scene vision the artist already had (a saved or remixed plan)."""
        self.vision.setPlainText(text)

    def _analyze_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(8)
        self.analyze_button = QPushButton("Analyze")
        bind_icon(self.analyze_button, "analyze")
        self.analyze_button.setToolTip("Describe the image (runs by itself when an image arrives)")
        self.analyze_button.clicked.connect(self.analyze_requested)
        self.analyze_button.setEnabled(False)
        self.status = label(NO_IMAGE, "hint", wrap=True)
        row.addWidget(self.analyze_button)
        row.addWidget(self.status, 1)
        return row

    def set_busy(self) -> None:
        self.analyze_button.setEnabled(False)
        self.status.setText("Analyzing…")

    def set_ready(self, ready: bool) -> None:
        self.analyze_button.setEnabled(ready)
        if ready and self.status.text() == NO_IMAGE:
            self.status.setText("Analyze describes the image")

    def show_status(self, text: str) -> None:
        self.status.setText(text)

    def set_analysis(
        self, analysis: ImageAnalysis, source: str, notice: str = "", new_image: bool = False
    ) -> None:
        """Suggest every field the artist has not written (all of them for a new image,
        which they describe); the action too, if empty.

        ``notice`` says why the offline analysis stood in for OpenAI, if it did."""
        for key, box in self.fields.items():
            if new_image or box.suggested or not box.text():
                box.suggest(getattr(analysis, key))
        if analysis.action_direction and (self.action.suggested or not self.action.text()):
            self.action.suggest(analysis.action_direction)
        self.status.setText(notice or f"Suggested by {SOURCE_NAMES.get(source, source)}")
        self.status.setToolTip("Grey text is a suggestion until you edit it; all of it is yours")
        self.analyze_button.setEnabled(True)

    def set_failed(self, message: str) -> None:
        self.status.setText(message)
        self.analyze_button.setEnabled(True)

    def action_text(self) -> str:
        return self.action.text()

    def analysis_values(self) -> dict[str, str]:
        return {key: box.text() for key, box in self.fields.items() if box.text()}

    def set_values(self, action: str, analysis: dict[str, str]) -> None:
        self.action.setPlainText(action)
        for key, box in self.fields.items():
            box.setPlainText(str(analysis.get(key, "")))
