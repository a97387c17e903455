"""One card of the storyboard: what happens in one chain, and what was sent for it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.story.plan import Beat
from scenemaker_desktop.gui.analysis_panel import TextField
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import ElidedLabel, cover_pixmap, label, set_state

CARD_WIDTH = 228
CARD_MAX_WIDTH = 340
"""Cards share the row's width between these: a beat reads in fewer, longer lines when
there is room, and a laptop still shows more than one card."""
THUMB = QSize(CARD_WIDTH - 20, 64)
"""A wide strip of the chain's picture: the prompt below it stays in view on a laptop."""
BEAT_LINES = 4
BEAT_MAX_LINES = 12
"""Enough for the longest beat (MAX_BEAT_CHARS) at the narrowest card: read without scrolling."""
PROMPT_LINES = 3
LOCK_TIP = (
    "Lock this beat: Re-plan keeps it, and it reaches the model's prompt word for word "
    "(Space toggles)"
)
UNLOCK_TIP = "Locked: Re-plan keeps this beat as written. Click (or Space) to let it be rewritten"


class BeatCard(QFrame):
    """Chain number, the editable beat, its lock, its clip's length and price; once the chain
    is made, its thumbnail, the exact prompt sent and what the seed frame showed."""

    edited = Signal(int, str)
    """(beat index from 1, the text as typed)"""
    lock_toggled = Signal(int, bool)

    def __init__(self, beat: Beat, terms: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("beatCard")
        self.setMinimumWidth(CARD_WIDTH)
        self.setMaximumWidth(CARD_MAX_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.index = beat.index
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(6)
        layout.addLayout(self._header(terms))
        self.text = self._beat_box()
        layout.addWidget(self.text)
        self.error = label("", "error", wrap=True)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addLayout(self._result())
        layout.addStretch(1)
        self.set_beat(beat)
        self.text.textChanged.connect(lambda: self.edited.emit(self.index, self.beat_text()))
        self.lock.toggled.connect(self._locked)

    def _header(self, terms: str) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(label(f"Chain {self.index}", "beatNumber"))
        self.terms = label(terms, "hint")
        row.addWidget(self.terms, 1)
        self.lock = QToolButton()
        self.lock.setObjectName("beatLock")
        self.lock.setCheckable(True)
        self.lock.setText("Lock")
        self.lock.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        # Tool buttons take no keyboard focus by default; Tab must reach the lock.
        self.lock.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.lock.setAccessibleName(f"Lock beat {self.index}")
        bind_icon(self.lock, "lock", "muted", 14)
        row.addWidget(self.lock)
        return row

    def _beat_box(self) -> TextField:
        # Grows with its text, like the analysis fields; Tab leaves it for the lock.
        box = TextField(
            BEAT_LINES, f"What happens in chain {self.index}?", max_lines=BEAT_MAX_LINES
        )
        box.setObjectName("beatText")
        box.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        box.setAccessibleName(f"Beat {self.index}")
        box.setToolTip("What happens in this chain · Ctrl+Z undoes an edit")
        return box

    def _result(self) -> QVBoxLayout:
        """Hidden until the chain is made: what the artist gets to compare with the beat."""
        box = QVBoxLayout()
        box.setSpacing(4)
        self.thumb = QLabel()
        self.thumb.setObjectName("beatThumb")
        self.thumb.setFixedSize(THUMB)
        self.prompt = QPlainTextEdit()
        self.prompt.setObjectName("beatPrompt")
        self.prompt.setReadOnly(True)
        self.prompt.setTabChangesFocus(True)
        self.prompt.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.prompt.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.prompt.setToolTip("The exact prompt sent to the model for this chain")
        self.prompt.setFixedHeight(PROMPT_LINES * self.prompt.fontMetrics().lineSpacing() + 14)
        self.seed = ElidedLabel("", "hint")
        box.addWidget(self.thumb, 0, Qt.AlignmentFlag.AlignHCenter)
        box.addWidget(self.prompt)
        box.addWidget(self.seed)
        self.clear_result()
        return box

    # -- what the storyboard tells it ------------------------------------------------------

    def set_beat(self, beat: Beat) -> None:
        """Show ``beat`` as the plan holds it (a new plan: the undo history starts again)."""
        self.text.blockSignals(True)
        self.text.setPlainText(beat.text)
        self.text.blockSignals(False)
        self.lock.blockSignals(True)
        self.lock.setChecked(beat.locked)
        self.lock.blockSignals(False)
        self._show_lock(beat.locked)

    def beat_text(self) -> str:
        return self.text.toPlainText()

    def locked(self) -> bool:
        return self.lock.isChecked()

    def set_terms(self, terms: str) -> None:
        self.terms.setText(terms)

    def set_error(self, message: str | None) -> None:
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        set_state(self.text, "invalid", bool(message))

    def set_editable(self, editable: bool) -> None:
        """A stored session's plan is shown as it ran: read-only."""
        self.text.setReadOnly(not editable)
        self.lock.setEnabled(editable)

    def show_result(self, image: QImage, prompt: str, seed_description: str) -> None:
        if not image.isNull():
            self.thumb.setPixmap(cover_pixmap(image, THUMB))
            self.thumb.show()
        self.prompt.setPlainText(prompt)
        self.prompt.setVisible(bool(prompt))
        seen = f"Seed frame: {seed_description}" if seed_description else ""
        self.seed.setText(seen)
        self.seed.setToolTip(seed_description)
        self.seed.setVisible(bool(seen))

    def clear_result(self) -> None:
        self.thumb.clear()
        for widget in (self.thumb, self.prompt, self.seed):
            widget.hide()
        self.prompt.clear()

    def sent_prompt(self) -> str:
        return self.prompt.toPlainText()

    def _locked(self, locked: bool) -> None:
        self._show_lock(locked)
        self.lock_toggled.emit(self.index, locked)

    def _show_lock(self, locked: bool) -> None:
        self.lock.setText("Locked" if locked else "Lock")
        self.lock.setToolTip(UNLOCK_TIP if locked else LOCK_TIP)
        set_state(self, "locked", locked)
