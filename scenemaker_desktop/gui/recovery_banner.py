"""The sessions the last run left interrupted, each with Resume, until dealt with.

A crash or a quit with jobs running leaves sessions interrupted; finished
chains and paid cloud requests are kept for resume. A status-bar line would be
gone in seconds, so this banner stays above the pages until every session in it
is resumed or the artist closes it. One line high, so it never squeezes the
player: a few entries, and how many more wait in Sessions.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.gui.session_text import usd
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import ElidedLabel, label, short

ENTRY_HEIGHT = 30
MAX_ENTRIES = 3
"""More would not fit a laptop's width; the rest are a click away in Sessions."""


class RecoveryBanner(QFrame):
    resume_requested = Signal(object)
    """The Session the artist wants to go on with."""
    show_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.entries: dict[str, QWidget] = {}
        self._waiting: list[Session] = []
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 3, 6, 3)
        row.setSpacing(10)
        self.message = label("", "bannerText")
        self.message.setToolTip(
            "Finished chains are kept, and a clip fal was making is picked up, not paid again"
        )
        row.addWidget(self.message)
        self._list = QHBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(8)
        self._list.setAlignment(Qt.AlignmentFlag.AlignLeft)
        row.addLayout(self._list, 1)  # the entries take the width, each up to its text
        self.more_button = QPushButton()
        self.more_button.setObjectName("flat")
        self.more_button.setToolTip("Show every interrupted session in Sessions")
        self.more_button.clicked.connect(self.show_all_requested)
        row.addWidget(self.more_button)
        self.close_button = QToolButton()
        self.close_button.setObjectName("flat")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide; the sessions stay in Sessions, ready to resume")
        self.close_button.clicked.connect(self.hide)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_sessions(self, sessions: list[Session]) -> None:
        """Newest first; the first MAX_ENTRIES get a Resume, the rest are counted."""
        for entry in self.entries.values():
            self._list.removeWidget(entry)
            entry.deleteLater()
        self.entries = {}
        self._waiting = sorted(sessions, key=lambda s: s.created_at, reverse=True)
        self._fill()

    def _fill(self) -> None:
        """Entries for the waiting sessions, up to MAX_ENTRIES, and the count of the rest."""
        for session in self._waiting:
            if len(self.entries) >= MAX_ENTRIES:
                break
            if session.id not in self.entries:
                self.entries[session.id] = entry = self._entry(session)
                self._list.addWidget(entry)
        self._update()

    def forget(self, session_id: str) -> None:
        """``session_id`` is being resumed (from here or elsewhere): drop its entry."""
        self._waiting = [s for s in self._waiting if s.id != session_id]
        entry = self.entries.pop(session_id, None)
        if entry is not None:
            self._list.removeWidget(entry)
            entry.deleteLater()
        self._fill()

    def _update(self) -> None:
        count, more = len(self._waiting), len(self._waiting) - len(self.entries)
        self.message.setText(
            f"{'A session was' if count == 1 else f'{count} sessions were'} interrupted:"
        )
        self.more_button.setText(f"{more} more…")
        self.more_button.setVisible(more > 0)
        self.setVisible(count > 0)

    def _entry(self, session: Session) -> QFrame:
        entry = QFrame()
        entry.setObjectName("bannerEntry")
        entry.setFixedHeight(ENTRY_HEIGHT)
        row = QHBoxLayout(entry)
        row.setContentsMargins(10, 0, 2, 0)
        row.setSpacing(8)
        title = session.request.action or session.id
        done = f"{session.completed_chains}/{len(session.chains)} chains"
        spent = f" · {usd(session.cost_usd)} paid" if session.cost_usd else ""
        text = ElidedLabel(f"“{short(title, 40)}” · {done}{spent}", "bannerEntryText")
        text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        text.ensurePolished()  # measured in the style sheet's font
        text.setMaximumWidth(text.fontMetrics().horizontalAdvance(text.full_text()) + 4)
        text.setToolTip(f"{title}\n{session.request.spec.display_name} · session {session.id}")
        resume = QPushButton("Resume")
        resume.setObjectName("bannerResume")
        bind_icon(resume, "resume", "text", 14)
        resume.clicked.connect(lambda: self.resume_requested.emit(session))
        row.addWidget(text, 1)
        row.addWidget(resume)
        margins = row.contentsMargins()
        entry.setMaximumWidth(
            text.maximumWidth()
            + resume.sizeHint().width()
            + row.spacing()
            + margins.left()
            + margins.right()
        )
        return entry
