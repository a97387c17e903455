"""The queue as the artist sees it: one row per job with progress and its actions."""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.gui.job import Job
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import (
    Chip,
    ElidedLabel,
    cover_pixmap,
    fmt_eta,
    label,
    set_state,
)

THUMB = QSize(64, 36)
LONGEST_ETA = fmt_eta(999 * 60)

_UNSET = object()
_BAR_STATE = {
    SessionStatus.COMPLETED: "completed",
    SessionStatus.FAILED: "failed",
    SessionStatus.CANCELLED: "stopped",
    SessionStatus.INTERRUPTED: "stopped",
}


class JobRow(QFrame):
    """One job: thumbnail, title, time, status chip, progress, what it does, its ETA,
    Cancel/Retry. Bound to its job: it redraws whenever the job changes."""

    def __init__(self, job: Job, list_: JobList) -> None:
        super().__init__()
        self.setObjectName("jobRow")
        self.job = job
        outer = QHBoxLayout(self)
        outer.setContentsMargins(10, 8, 12, 8)
        outer.setSpacing(10)
        self.thumbnail = QLabel()
        self.thumbnail.setObjectName("jobThumb")
        self.thumbnail.setFixedSize(THUMB)
        outer.addWidget(self.thumbnail, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.setSpacing(5)
        outer.addLayout(column, 1)
        column.addLayout(self._top_row())
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        column.addWidget(self.bar)
        column.addLayout(self._bottom_row(list_))
        self._shown: dict[str, object] = {}
        job.changed.connect(self.refresh)
        self.refresh()

    def _top_row(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.title = ElidedLabel("", "jobTitle")
        self.time = label(time.strftime("%H:%M", time.localtime(self.job.created)), "hint")
        self.time.setToolTip(
            time.strftime("Added %d %b %Y, %H:%M:%S", time.localtime(self.job.created))
        )
        self.chip = Chip()
        top.addWidget(self.title, 1)
        top.addWidget(self.time)
        top.addWidget(self.chip)
        return top

    def _bottom_row(self, list_: JobList) -> QHBoxLayout:
        bottom = QHBoxLayout()
        self.detail = ElidedLabel("", "hint")
        self.eta = label("", "hint")
        self.eta.ensurePolished()  # sized in the style sheet's font: the row never jumps
        self.eta.setMinimumWidth(self.eta.fontMetrics().horizontalAdvance(LONGEST_ETA))
        self.cancel_button = QPushButton("Cancel")
        bind_icon(self.cancel_button, "cancel", "muted", 16)
        self.cancel_button.setObjectName("flat")
        self.cancel_button.clicked.connect(lambda: list_.cancel_requested.emit(self.job))
        self.retry_button = QPushButton("Retry")
        self.retry_button.setObjectName("flat")
        self.retry_button.clicked.connect(lambda: list_.retry_requested.emit(self.job))
        bottom.addWidget(self.detail, 1)
        bottom.addWidget(self.eta)
        bottom.addWidget(self.cancel_button)
        bottom.addWidget(self.retry_button)
        return bottom

    def refresh(self) -> None:
        """Bring the row up to date, touching only what changed (progress arrives often)."""
        job = self.job
        self._update("title", job.title, self.title.setText)
        self._update("thumbnail", job.thumbnail.cacheKey(), lambda _: self._show_thumbnail())
        self._update("status", job.state_name, lambda _: self._show_status(job))
        self.bar.setValue(int(job.progress * 1000))
        self._update("details", " · ".join(p for p in _details(job) if p), self.detail.setText)
        self._update("tip", _tooltip(job), self.detail.setToolTip)
        eta = fmt_eta(job.eta_seconds) if job.status is SessionStatus.RUNNING else ""
        self._update("eta", eta, self._show_eta)
        self._update("can_cancel", job.can_cancel, self.cancel_button.setVisible)

    def _update(self, key: str, value: object, apply) -> None:
        if self._shown.get(key, _UNSET) != value:
            self._shown[key] = value
            apply(value)

    def _show_eta(self, eta: str) -> None:
        self.eta.setText(eta)
        self.eta.setVisible(bool(eta))

    def _show_thumbnail(self) -> None:
        if not self.job.thumbnail.isNull():
            self.thumbnail.setPixmap(cover_pixmap(self.job.thumbnail, THUMB))

    def _show_status(self, job: Job) -> None:
        self.chip.show_state(job.state_name, job.status_label)
        set_state(self.bar, "state", _BAR_STATE.get(job.status, "running"))
        self.retry_button.setVisible(job.can_retry)
        if job.can_retry:
            self.retry_button.setText(job.retry_label)
            name = "resume" if job.status is SessionStatus.INTERRUPTED else "retry"
            bind_icon(self.retry_button, name, "muted", 16)

    def set_selected(self, selected: bool) -> None:
        set_state(self, "selected", selected)


def _details(job: Job) -> list[str]:
    parts = [job.subtitle, job.operation]
    if job.queue_position == 0:
        parts.append("next in line")
    elif job.queue_position is not None:
        parts.append(f"{job.queue_position} ahead")
    return parts


def _tooltip(job: Job) -> str:
    """What the row's detail line cannot hold: the whole message and every note."""
    lines = [job.error or job.operation, *(f"Note: {notice}" for notice in job.notices)]
    return "\n".join(dict.fromkeys(line for line in lines if line))


class JobList(QListWidget):
    """Newest job on top; selection picks the job whose previews are shown."""

    cancel_requested = Signal(object)
    retry_requested = Signal(object)
    job_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobList")
        self.setSpacing(3)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.rows: dict[int, JobRow] = {}
        self._items: dict[int, QListWidgetItem] = {}
        self.currentItemChanged.connect(self._current_changed)
        # A row more or less can bring or take the scroll bar, which narrows the view.
        self.verticalScrollBar().rangeChanged.connect(lambda *_: self._fit_rows())

    def add_job(self, job: Job) -> None:
        row = JobRow(job, self)
        item = QListWidgetItem()
        item.setSizeHint(QSize(self._view_width(), row.sizeHint().height()))
        item.setData(Qt.ItemDataRole.UserRole, job.id)
        self.insertItem(0, item)
        self.setItemWidget(item, row)
        self.rows[job.id], self._items[job.id] = row, item
        # Selecting shows the job's previews: do it a turn later, so the click that added
        # the job is answered by the new row at once (jobs run while this happens).
        QTimer.singleShot(0, self, lambda: self.setCurrentItem(item))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _fit_rows(self) -> None:
        """Rows as wide as the view, a scroll bar coming or going included (QListWidget
        otherwise keeps an item widget at the width it had, cutting off its right end)."""
        width = self._view_width()
        for item in self._items.values():
            if item.sizeHint().width() != width:
                item.setSizeHint(QSize(width, item.sizeHint().height()))

    def _view_width(self) -> int:
        # Not viewport().width(): PySide6's first viewport() call looks through every
        # widget class for the wrapper type, ~9 ms the artist would feel on Generate.
        bar = self.verticalScrollBar()
        return self.contentsRect().width() - (bar.width() if bar.isVisible() else 0)

    def select_job(self, job: Job) -> None:
        item = self._items.get(job.id)
        if item is not None:
            self.setCurrentItem(item)

    def selected_job(self) -> Job | None:
        item = self.currentItem()
        if item is None:
            return None
        row = self.rows.get(item.data(Qt.ItemDataRole.UserRole))
        return row.job if row else None

    def _current_changed(self, current: QListWidgetItem | None, previous: object) -> None:
        for job_id, row in self.rows.items():
            row.set_selected(self._items[job_id] is current)
        job = self.selected_job()
        if job is not None:
            self.job_selected.emit(job)
