"""The sessions the last run left interrupted, each with Resume, until dealt with.

A crash or a quit with jobs running leaves sessions interrupted; finished
chains and paid cloud requests are kept for resume. A status-bar line would be
gone in seconds, so this banner stays above the pages until every session in it
is resumed or the artist closes it. One line high, so it never squeezes the
player: the entries scroll sideways when there are many.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QToolButton,
    QWidget,
)

from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.gui.session_text import usd
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import label, short


class RecoveryBanner(QFrame):
    resume_requested = Signal(object)
    """The Session the artist wants to go on with."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.entries: dict[str, QWidget] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(14, 6, 6, 6)
        row.setSpacing(10)
        self.message = label("", "bannerText")
        row.addWidget(self.message)
        self._list = QHBoxLayout()
        self._list.setContentsMargins(0, 0, 0, 0)
        self._list.setSpacing(8)
        self._list.addStretch(1)
        inner = QWidget()
        inner.setLayout(self._list)
        scroll = QScrollArea()
        scroll.setObjectName("bannerList")
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidgetResizable(True)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setFixedHeight(inner.sizeHint().height() + 34)
        row.addWidget(scroll, 1)
        self.close_button = QToolButton()
        self.close_button.setObjectName("flat")
        self.close_button.setText("✕")
        self.close_button.setToolTip("Hide; the sessions stay in Sessions, ready to resume")
        self.close_button.clicked.connect(self.hide)
        row.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_sessions(self, sessions: list[Session]) -> None:
        for session_id in list(self.entries):
            self.forget(session_id)
        for session in sessions:
            entry = self._entry(session)
            self._list.insertWidget(self._list.count() - 1, entry)
            self.entries[session.id] = entry
        self._update()

    def forget(self, session_id: str) -> None:
        """``session_id`` is being resumed (from here or elsewhere): drop its entry."""
        entry = self.entries.pop(session_id, None)
        if entry is not None:
            self._list.removeWidget(entry)
            entry.deleteLater()
            self._update()

    def _update(self) -> None:
        count = len(self.entries)
        self.message.setText(
            f"{'This session was' if count == 1 else f'{count} sessions were'} interrupted "
            "when SceneMaker last stopped; finished chains are kept:"
        )
        self.setVisible(count > 0)

    def _entry(self, session: Session) -> QFrame:
        entry = QFrame()
        entry.setObjectName("bannerEntry")
        row = QHBoxLayout(entry)
        row.setContentsMargins(10, 2, 4, 2)
        row.setSpacing(8)
        title = session.request.action or session.id
        done = f"{session.completed_chains}/{len(session.chains)} chains"
        spent = f" · {usd(session.cost_usd)} paid" if session.cost_usd else ""
        text = label(f"“{short(title, 34)}” · {done}{spent}", "bannerEntryText")
        text.setToolTip(f"{title}\n{session.request.spec.display_name} · session {session.id}")
        resume = QPushButton("Resume")
        bind_icon(resume, "resume", "text", 16)
        resume.clicked.connect(lambda: self.resume_requested.emit(session))
        row.addWidget(text)
        row.addWidget(resume)
        return entry
