"""The line under the chain strip that names a chain worth making again, and offers it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QWidget

from scenemaker_desktop.engine.continuity.report import verdict_of
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import ElidedLabel


class FlagBar(QFrame):
    """Shows the first flagged chain of a stopped session; emits ``regenerate(index)``."""

    regenerate = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flagBar")
        self.index: int | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 6, 4)
        row.setSpacing(8)
        self.text = ElidedLabel("", "flagText")
        self.button = QPushButton("Regenerate from here…")
        self.button.setObjectName("flagAction")
        bind_icon(self.button, "retry")
        self.button.clicked.connect(self._clicked)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        self.hide()

    def show_session(self, session: Session | None) -> None:
        """Name the first flagged chain of ``session`` (None, or a running one: hide)."""
        done = [c for c in (session.chains if session else []) if c.status is ChainStatus.COMPLETED]
        verdicts = [(chain.index, verdict_of(chain.continuity).reasons) for chain in done]
        flagged = [(index, reasons) for index, reasons in verdicts if reasons]
        if not flagged:
            self.index = None
            self.hide()
            return
        self.index, reasons = flagged[0]
        more = f" (and {len(flagged) - 1} more)" if len(flagged) > 1 else ""
        self.text.setText(f"⚑ Chain {self.index + 1}{more}: {'; '.join(reasons)}")
        self.button.setToolTip(
            f"Make chain {self.index + 1} and the chains after it again; "
            "the clips they replace are kept in the session's replaced folder"
        )
        self.show()

    def _clicked(self) -> None:
        if self.index is not None:
            self.regenerate.emit(self.index)
