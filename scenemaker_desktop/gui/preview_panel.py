"""The centre of the studio: what the current session looks like, clip by clip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.continuity.report import continuity_line, verdict_of
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session, SessionStatus
from scenemaker_desktop.gui.chain_strip import ChainStrip
from scenemaker_desktop.gui.flag_bar import FlagBar
from scenemaker_desktop.gui.images import load_thumbnail
from scenemaker_desktop.gui.job import ChainPreview, Job
from scenemaker_desktop.gui.player import Player
from scenemaker_desktop.gui.session_text import (
    CHAIN_WORDS,
    cost_explained,
    describe_params,
    export_name,
    session_summary,
)
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import MARGIN, ElidedLabel, label, vertical_scroll

PLAYER_MIN_HEIGHT = 160
"""The player never gets shorter than this; the queue and side panels give way first."""
DETAILS_MAX_HEIGHT = 110
COMPACT_WIDTH = 620


@dataclass(frozen=True)
class SessionView:
    """A session with its thumbnails already decoded (built on a worker thread)."""

    session: Session
    folder: Path
    chain_images: list[QImage] = field(default_factory=list)
    final_video: Path | None = None
    final_image: QImage | None = None


def load_session_view(engine: Engine, session_id: str) -> SessionView:
    session = engine.load_session(session_id)
    images = [load_thumbnail(engine.path_of(session, c.thumbnail)) for c in session.chains]
    final = engine.path_of(session, session.final_video)
    # The final video opens on chain 1's picture; session.thumbnail is the input image.
    final_image = images[0] if images else None
    if final is not None and not final.is_file():
        final = None
    return SessionView(session, engine.session_folder(session_id), images, final, final_image)


class PreviewPanel(QFrame):
    open_folder_requested = Signal(Path)
    export_requested = Signal(Path, str)
    """(video, the file name to offer)"""
    regenerate_requested = Signal(str, int)
    """(session id, the first chain to make again)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.folder: Path | None = None
        self.session_id: str | None = None
        self.job: Job | None = None
        """The job whose chains are shown as they come, if any."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN - 4, MARGIN, MARGIN - 4)
        layout.setSpacing(8)
        layout.addLayout(self._header())
        layout.addWidget(self._details())
        self.player = Player()
        self.player.setMinimumHeight(PLAYER_MIN_HEIGHT)
        layout.addWidget(self.player, 1)
        self.strip = ChainStrip()
        self.strip.play_requested.connect(self.play)
        self.strip.regenerate_requested.connect(self._regenerate)
        layout.addWidget(self.strip)
        self.flags = FlagBar()
        self.flags.regenerate.connect(self._regenerate)
        layout.addWidget(self.flags)
        self.clear()

    def _header(self) -> QGridLayout:
        """Title, Details and the buttons; below them the one-line summary, full width."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(0)
        self.title = ElidedLabel("", "heading")
        self.meta = ElidedLabel("", "hint")
        grid.addWidget(self.title, 0, 0)
        grid.setColumnStretch(0, 1)
        self.details_button = QToolButton()
        self.details_button.setObjectName("flat")
        self.details_button.setText("Details")
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.ArrowType.RightArrow)
        self.details_button.setToolTip("Every parameter and what each chain cost")
        self.details_button.toggled.connect(self._toggle_details)
        self.open_button = QPushButton("Open folder")
        self.open_button.setToolTip("Show the session's folder in your file manager")
        bind_icon(self.open_button, "folder")
        self.open_button.clicked.connect(self._open_folder)
        self.export_button = QToolButton()
        self.export_button.setObjectName("export")
        self.export_button.setText("Export…")
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        bind_icon(self.export_button, "export")
        self.export_button.setToolTip("Save a copy of the final video; the arrow offers each clip")
        self.export_button.clicked.connect(self._export_default)
        self.export_menu = QMenu(self.export_button)
        self.export_menu.aboutToShow.connect(self._fill_export_menu)
        self.export_button.setMenu(self.export_menu)
        buttons = QHBoxLayout()
        buttons.addWidget(self.details_button)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.export_button)
        grid.addLayout(buttons, 0, 1)
        grid.addWidget(self.meta, 1, 0, 1, 2)
        return grid

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        # Narrow (a laptop): the buttons show only their icons, so the title keeps its room.
        compact = self.width() < COMPACT_WIDTH
        for button, text in ((self.open_button, "Open folder"), (self.export_button, "Export…")):
            button.setText("" if compact else text)

    def _details(self) -> QScrollArea:
        """Every parameter and the cost breakdown; scrolls rather than push the player."""
        self.params = label("", "hint", wrap=True)
        self.params.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.params.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details = vertical_scroll(self.params)
        self.details.setObjectName("details")
        self.details.setMaximumHeight(DETAILS_MAX_HEIGHT)
        self.details.hide()
        return self.details

    def _toggle_details(self, shown: bool) -> None:
        self.details_button.setArrowType(
            Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
        )
        self.details.setVisible(shown and bool(self.params.text()))

    def _set_details(self, text: str) -> None:
        self.params.setText(text)
        self.details_button.setVisible(bool(text))
        self.details.setVisible(bool(text) and self.details_button.isChecked())

    def follow(self, job: Job | None) -> None:
        """Show ``job``'s chains as they finish (None: follow no job)."""
        if self.job is not None:
            self.job.changed.disconnect(self._job_changed)
            self.job.chain_ready.disconnect(self.chain_ready)
        self.job = job
        if job is None:
            return
        job.changed.connect(self._job_changed)
        job.chain_ready.connect(self.chain_ready)
        self.strip.can_regenerate = False
        self.flags.show_session(None)
        if job.session_id is None:
            self.start(job.title, job.summary, job.chains)
        else:
            self.meta.setText(job.summary)

    def _job_changed(self) -> None:
        job = self.job
        if job is None:
            return
        self.meta.setText(job.summary)
        if job.status is SessionStatus.RUNNING and job.chain_index is not None:
            self.strip.set_running(job.chain_index, job.chain_progress, job.chain_queued)

    def clear(self) -> None:
        self.follow(None)
        self.folder, self.session_id = None, None
        self.title.setText("Nothing generated yet")
        self.meta.setText("Describe the action for your image and press Generate.")
        self._set_details("")
        self.strip.reset(0)
        self.flags.show_session(None)
        self.player.clear()
        self._update_buttons()

    def start(self, title: str, meta: str, chains: int) -> None:
        """A job just started: empty tiles for its chains, no video yet."""
        self.folder, self.session_id = None, None
        self.title.setText(title)
        self.meta.setText(meta)
        self._set_details("")
        self.strip.reset(chains)
        self.strip.can_regenerate = False
        self.flags.show_session(None)
        self.player.clear()
        self._update_buttons()

    def show_session(self, view: SessionView, autoplay: bool = False) -> None:
        session = view.session
        if self.job is not None and self.job.session_id != session.id:
            self.follow(None)
        self.folder, self.session_id = view.folder, session.id
        self.title.setText(session.request.action or session.id)
        self.meta.setText(session_summary(session))
        self._set_details(
            f"{describe_params(session.request)}\n{cost_explained(session)}\nSession {session.id}"
        )
        self.strip.reset(len(session.chains))
        live = self._is_live(session)
        for chain, image in zip(session.chains, view.chain_images, strict=False):
            if chain.status is ChainStatus.COMPLETED and chain.video:
                self.strip.set_chain(chain.index, image, view.folder / chain.video, chain.prompt)
                flags = verdict_of(chain.continuity).reasons
                self.strip.set_continuity(chain.index, continuity_line(chain.continuity), flags)
            elif not live:
                self.strip.set_pending(chain.index, CHAIN_WORDS[chain.status])
        stopped = session.status.finished and not live
        self.strip.can_regenerate = stopped
        self.flags.show_session(session if stopped else None)
        if view.final_video is not None:
            self.strip.set_final(view.final_image or QImage(), view.final_video)
            # Opening the media takes a few ms of its own: let the strip paint first.
            QTimer.singleShot(0, self, lambda: self._load_final(view, autoplay))
        else:
            self.player.clear()
        self._update_buttons()

    def _regenerate(self, index: int) -> None:
        if self.session_id is not None:
            self.regenerate_requested.emit(self.session_id, index)

    def _is_live(self, session: Session) -> bool:
        """A job is making this session now: its stored chain states are about to change."""
        return self.job is not None and self.job.session_id == session.id and not self.job.finished

    def _load_final(self, view: SessionView, autoplay: bool) -> None:
        if self.session_id == view.session.id and view.final_video is not None:
            self.player.load(view.final_video, autoplay=autoplay)
            self._update_buttons()

    def play(self, path: Path) -> None:
        self.player.load(path)
        self._update_buttons()

    def chain_ready(self, chain: ChainPreview) -> None:
        """A chain of the followed job finished: fill its tile and show its picture."""
        self.folder = chain.video.parent.parent
        self.strip.set_chain(chain.index, chain.image, chain.video, chain.prompt)
        self.strip.set_running(chain.index + 1)
        if not chain.image.isNull():
            self.player.show_still(chain.image)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(self.folder is not None)
        self.export_button.setEnabled(bool(self._exportable()))

    def _open_folder(self) -> None:
        if self.folder is not None:
            self.open_folder_requested.emit(self.folder)

    def _exportable(self) -> list[tuple[str, Path, int | None]]:
        """(menu text, video, chain index) for the final video first, then every clip."""
        choices = []
        final = self.strip.final
        if final is not None and final.video is not None:
            choices.append(("Final video", final.video, None))
        for tile in self.strip.tiles:
            if tile.video is not None:
                choices.append((f"Clip of chain {tile.index + 1}", tile.video, tile.index))
        return choices

    def _fill_export_menu(self) -> None:
        self.export_menu.clear()
        for text, video, chain in self._exportable():
            action = self.export_menu.addAction(text)
            action.triggered.connect(lambda _=False, v=video, c=chain: self._export(v, c))

    def _export_default(self) -> None:
        """The final video when there is one, else the clip playing, else the first clip."""
        choices = self._exportable()
        playing = [c for c in choices if c[1] == self.player.source]
        first = next(iter(c for c in choices if c[2] is None), None)
        chosen = first or (playing or choices or [None])[0]
        if chosen is not None:
            self._export(chosen[1], chosen[2])

    def _export(self, video: Path, chain: int | None) -> None:
        self.export_requested.emit(video, export_name(self.title.full_text(), chain))
