"""Every session folder at a glance: open, resume, remix, reveal, delete."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionListing
from scenemaker_desktop.gui.giving_splitter import GivingSplitter
from scenemaker_desktop.gui.images import load_thumbnail
from scenemaker_desktop.gui.session_links import draft_link_text, renders_by_draft
from scenemaker_desktop.gui.session_text import (
    cost_explained,
    describe_params,
    session_summary,
)
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import (
    MARGIN,
    Chip,
    ImageView,
    card,
    cover_pixmap,
    label,
    short,
    vertical_scroll,
)

THUMB = QSize(96, 54)
COLUMNS = ("Session", "Created", "Model", "Chains", "Status", "Cost")
NARROW_HIDDEN = (1, 3)
"""Created and Chains: hidden when the table is narrow (the details show both)."""
NARROW_TABLE = 820
TABLE_COMFORT_WIDTH = 700
DETAILS_MIN_WIDTH = 300


@dataclass(frozen=True)
class SessionRow:
    listing: SessionListing
    folder: Path
    thumbnail: QImage


def load_rows(engine: Engine) -> list[SessionRow]:
    """All sessions with their thumbnails decoded (worker thread)."""
    rows = []
    for listing in engine.list_sessions():
        session = listing.session
        thumb = QImage()
        if session is not None and session.thumbnail:
            thumb = load_thumbnail(engine.path_of(session, session.thumbnail), 320)
        rows.append(SessionRow(listing, engine.session_folder(listing.id), thumb))
    return rows


def created_text(session: Session) -> str:
    try:
        when = dt.datetime.fromisoformat(session.created_at).astimezone()
    except ValueError:
        return session.created_at
    return when.strftime("%d %b %Y, %H:%M")


class SessionTable(QTreeWidget):
    """The sessions list; narrow, it hides the columns the details show anyway (date, chains),
    so the title column keeps its room."""

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        narrow = self.width() < NARROW_TABLE
        for column in NARROW_HIDDEN:
            if self.isColumnHidden(column) != narrow:
                self.setColumnHidden(column, narrow)


class SessionBrowser(QWidget):
    open_requested = Signal(str)
    resume_requested = Signal(object)
    remix_requested = Signal(object)
    reveal_requested = Signal(Path)
    delete_requested = Signal(str)
    refresh_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, SessionRow] = {}
        self.renders: dict[str, list[str]] = {}
        """Each draft's renders (session ids), from the rows listed."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN, MARGIN, MARGIN)
        layout.setSpacing(12)
        layout.addLayout(self._title_row())
        splitter = GivingSplitter(Qt.Orientation.Horizontal, 0, TABLE_COMFORT_WIDTH)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self._table_card())
        splitter.addWidget(self._details_card())
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.set_wanted([1000, 380])
        layout.addWidget(splitter, 1)
        self._show_details(None)

    def _title_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(label("Sessions", "pageTitle"))
        self.count = label("", "muted")
        row.addWidget(self.count)
        row.addStretch(1)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by action, model or status")
        self.search.setClearButtonEnabled(True)
        self.search.setFixedWidth(300)
        self.search.textChanged.connect(self._filter)
        self.refresh_button = QPushButton("Refresh")
        bind_icon(self.refresh_button, "refresh")
        self.refresh_button.clicked.connect(self.refresh_requested)
        row.addWidget(self.search)
        row.addWidget(self.refresh_button)
        return row

    def _table_card(self) -> QFrame:
        frame, layout = card()
        layout.setContentsMargins(6, 6, 6, 6)
        self.table = SessionTable()
        self.table.setObjectName("sessionTable")
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(COLUMNS)
        self.table.setRootIsDecorated(False)
        self.table.setIconSize(THUMB)
        self.table.setUniformRowHeights(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentItemChanged.connect(lambda *_: self._show_details(self.selected()))
        self.table.itemDoubleClicked.connect(lambda *_: self._open())
        self.empty = label("No sessions yet — generate one in the Studio.", "muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1)
        return frame

    def _details_card(self) -> QFrame:
        frame, layout = card("Details")
        frame.setMinimumWidth(DETAILS_MIN_WIDTH)
        self.preview = ImageView()
        self.preview.setMinimumHeight(120)
        layout.addWidget(self.preview, 2)
        layout.addWidget(self._detail_text(), 3)
        self.buttons = {
            "open": self._button("studio", "Open", self._open, primary=True),
            "resume": self._button("resume", "Resume", self._resume),
            "remix": self._button("remix", "Remix", self._remix),
            "reveal": self._button("reveal", "Reveal in file manager", self._reveal),
            "delete": self._button("trash", "Delete…", self._delete),
        }
        self.buttons["delete"].setObjectName("danger")
        grid = QVBoxLayout()
        grid.setSpacing(6)
        top = QHBoxLayout()
        for key in ("open", "resume", "remix"):
            top.addWidget(self.buttons[key])
        grid.addLayout(top)
        bottom = QHBoxLayout()
        bottom.addWidget(self.buttons["reveal"], 1)
        bottom.addWidget(self.buttons["delete"])
        grid.addLayout(bottom)
        layout.addLayout(grid)
        return frame

    def _detail_text(self) -> QScrollArea:
        """Title, state, summary, parameters and costs; scrolls on a short window."""
        self.detail_title = label("", "heading", wrap=True)
        self.detail_chip = Chip()
        self.detail_meta = label("", "muted", wrap=True)
        self.detail_params = label("", "hint", wrap=True)
        self.detail_error = label("", "error", wrap=True)
        self.detail_link = label("", "muted", wrap=True)
        self.detail_link.setObjectName("draftLink")
        self.detail_link.setTextFormat(Qt.TextFormat.RichText)
        self.detail_link.setToolTip("Select the linked session")
        self.detail_link.linkActivated.connect(self.select)
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 6, 0)
        for widget in (
            self.detail_title,
            self.detail_chip,
            self.detail_meta,
            self.detail_link,
            self.detail_params,
        ):
            column.addWidget(widget)
        column.addWidget(self.detail_error)
        column.addStretch(1)
        return vertical_scroll(inner)

    def _button(self, icon_name: str, text: str, slot, primary: bool = False) -> QPushButton:
        colour = "#ffffff" if primary else "text"
        button = QPushButton(text)
        bind_icon(button, icon_name, colour, 16)
        if primary:
            button.setObjectName("primary")
        button.clicked.connect(slot)
        return button

    # -- data --------------------------------------------------------------------------

    def set_rows(self, rows: list[SessionRow]) -> None:
        keep = self.selected_id()
        self.rows = {row.listing.id: row for row in rows}
        self.renders = renders_by_draft([row.listing for row in rows])
        self.table.clear()
        for row in rows:
            self.table.addTopLevelItem(self._item(row))
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self._filter(self.search.text())
        self.select(keep) if keep in self.rows else self._select_first()
        if self.selected() is None:
            self._select_first()

    def _item(self, row: SessionRow) -> QTreeWidgetItem:
        listing, session = row.listing, row.listing.session
        item = QTreeWidgetItem()
        item.setData(0, Qt.ItemDataRole.UserRole, listing.id)
        item.setSizeHint(0, QSize(THUMB.width(), THUMB.height() + 10))
        if session is None:
            values = (listing.id, "", "", "", "damaged", "")
            item.setToolTip(0, listing.damaged_reason or "")
        else:
            title = session.request.action or listing.id
            values = (
                title,
                created_text(session),
                session.request.spec.display_name,
                f"{session.completed_chains}/{len(session.chains)}",
                session.status.value,
                f"${session.cost_usd:.2f}",
            )
            item.setToolTip(0, title)
        for column, value in enumerate(values):
            item.setText(column, value)
        if not row.thumbnail.isNull():
            item.setIcon(0, QIcon(cover_pixmap(row.thumbnail, THUMB)))
        return item

    def _filter(self, text: str) -> None:
        """Hide the rows that do not match; selection, details and count follow."""
        needle = text.strip().lower()
        for item in self._items():
            haystack = " ".join(item.text(c) for c in range(len(COLUMNS))).lower()
            item.setHidden(bool(needle) and needle not in haystack)
        shown = [item for item in self._items() if not item.isHidden()]
        total = len(self.rows)
        count = f"{len(shown)} of {total}" if needle else str(total)
        self.count.setText(f"{count} session{'s' if total != 1 else ''}")
        current = self.table.currentItem()
        if shown and (current is None or current.isHidden() or not current.isSelected()):
            self.table.setCurrentItem(shown[0])
        if not shown:
            self.table.clearSelection()
            self._show_details(None, f"No session matches “{text.strip()}”" if needle else None)

    def _items(self) -> list[QTreeWidgetItem]:
        return [self.table.topLevelItem(i) for i in range(self.table.topLevelItemCount())]

    def _select_first(self) -> None:
        shown = [item for item in self._items() if not item.isHidden()]
        if shown:
            self.table.setCurrentItem(shown[0])
        else:
            self._show_details(None)

    def select(self, session_id: str) -> None:
        for item in self._items():
            if item.data(0, Qt.ItemDataRole.UserRole) == session_id and not item.isHidden():
                self.table.setCurrentItem(item)
                return

    def selected_id(self) -> str | None:
        """The session whose details are shown (never one the filter hides)."""
        item = self.table.currentItem()
        if item is None or item.isHidden():
            return None
        return item.data(0, Qt.ItemDataRole.UserRole)

    def selected(self) -> SessionRow | None:
        session_id = self.selected_id()
        return self.rows.get(session_id) if session_id else None

    def _show_details(self, row: SessionRow | None, nothing: str | None = None) -> None:
        """``row``'s details; with none, ``nothing`` says why (e.g. the filter hides all)."""
        session = row.listing.session if row else None
        self.preview.set_image(row.thumbnail if row else None)
        self.detail_title.setText(_title(row) if row or not nothing else nothing)
        self.detail_chip.setVisible(row is not None)
        if row is not None:
            self.detail_chip.show_state(row.listing.status, row.listing.status.capitalize())
        self.detail_meta.setText(_meta(session))
        link = draft_link_text(session, self.renders)
        self.detail_link.setText(link)
        self.detail_link.setVisible(bool(link))
        self.detail_params.setText(
            f"{describe_params(session.request)}\n\n{cost_explained(session)}" if session else ""
        )
        error = (session.error if session else None) or (row.listing.damaged_reason if row else "")
        self.detail_error.setText(error or "")
        self.detail_error.setVisible(bool(error))
        self.buttons["open"].setEnabled(session is not None)
        self.buttons["remix"].setEnabled(session is not None)
        self.buttons["resume"].setEnabled(session is not None and session.status.resumable)
        self.buttons["reveal"].setEnabled(row is not None)
        self.buttons["delete"].setEnabled(row is not None)

    # -- actions -----------------------------------------------------------------------

    def _open(self) -> None:
        row = self.selected()
        if row and row.listing.session:
            self.open_requested.emit(row.listing.id)

    def _resume(self) -> None:
        row = self.selected()
        if row and row.listing.session and row.listing.session.status.resumable:
            self.resume_requested.emit(row.listing.session)

    def _remix(self) -> None:
        row = self.selected()
        if row and row.listing.session:
            self.remix_requested.emit(row.listing.session)

    def _reveal(self) -> None:
        row = self.selected()
        if row:
            self.reveal_requested.emit(row.folder)

    def _delete(self) -> None:
        row = self.selected()
        if row is not None and confirm_delete(self, _title(row)):
            self.delete_requested.emit(row.listing.id)


def confirm_delete(parent: QWidget, title: str) -> bool:
    box = QMessageBox(parent)
    box.setObjectName("deleteQuestion")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Delete session?")
    box.setText(f"Delete “{short(title)}”?")
    box.setInformativeText(
        "Its clips, final video and every other file in its folder go. This cannot be undone."
    )
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    keep = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    box.exec()
    return box.clickedButton() is delete


def _title(row: SessionRow | None) -> str:
    if row is None:
        return "Select a session"
    session = row.listing.session
    return (session.request.action if session else "") or row.listing.id


def _meta(session: Session | None) -> str:
    if session is None:
        return ""
    return f"{session_summary(session)}\nCreated {created_text(session)} · {session.id}"
