"""The centre of the studio: what the current session looks like, clip by clip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from scenemaker_desktop.engine.catalog import SESSION_PARAMS, GenerationRequest, Param, ParamKind
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session, SessionStatus
from scenemaker_desktop.gui.chain_strip import ChainStrip
from scenemaker_desktop.gui.images import load_thumbnail
from scenemaker_desktop.gui.job import ChainPreview, Job
from scenemaker_desktop.gui.player import Player
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import (
    MARGIN,
    ElidedLabel,
    label,
    pretty_choice,
    section_title,
)


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


def describe_params(request: GenerationRequest) -> str:
    """The request's parameters as one readable line (text fields left out)."""
    values = {**request.params, **request.session_values()}
    return " · ".join(
        f"{param.label} {_value_text(param, values[param.key])}"
        for param in (*request.spec.params, *SESSION_PARAMS)
        if param.kind is not ParamKind.TEXT
    )


def _value_text(param: Param, value: Any) -> str:
    special = param.special_label(value)
    if special is not None:
        return special
    if param.kind is ParamKind.BOOL:
        return "on" if value else "off"
    return pretty_choice(str(value))


def session_meta(session: Session) -> str:
    chains = len(session.chains)
    parts = [
        session.request.spec.display_name,
        f"{chains} chain{'s' if chains != 1 else ''}",
        session.status.value,
    ]
    if session.cost_usd:
        parts.append(f"${session.cost_usd:.2f}")
    return " · ".join(parts)


class PreviewPanel(QFrame):
    open_folder_requested = Signal(Path)
    export_requested = Signal(Path)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.folder: Path | None = None
        self.session_id: str | None = None
        self.job: Job | None = None
        """The job whose chains are shown as they come, if any."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN - 2, MARGIN, MARGIN)
        layout.setSpacing(10)
        layout.addLayout(self._header())
        self.player = Player()
        layout.addWidget(self.player, 1)
        layout.addWidget(section_title("Chains"))
        self.strip = ChainStrip()
        self.strip.play_requested.connect(self.play)
        layout.addWidget(self.strip)
        self.clear()

    def _header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        text = QVBoxLayout()
        text.setSpacing(2)
        self.title = ElidedLabel("", "heading")
        self.meta = ElidedLabel("", "hint")
        self.params = label("", "hint", wrap=True)
        self.params.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.addWidget(self.title)
        text.addWidget(self.meta)
        text.addWidget(self.params)
        row.addLayout(text, 1)
        self.open_button = QPushButton("Open folder")
        bind_icon(self.open_button, "folder")
        self.open_button.clicked.connect(self._open_folder)
        self.export_button = QPushButton("Export…")
        bind_icon(self.export_button, "export")
        self.export_button.setToolTip("Save a copy of the playing video where you choose")
        self.export_button.clicked.connect(self._export)
        for button in (self.open_button, self.export_button):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        return row

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
        if job.session_id is None:
            self.start(job.title, job.subtitle, job.chains)

    def _job_changed(self) -> None:
        job = self.job
        if job is not None and job.status is SessionStatus.RUNNING and job.chain_index is not None:
            self.strip.set_running(job.chain_index, job.chain_progress)

    def clear(self) -> None:
        self.follow(None)
        self.folder, self.session_id = None, None
        self.title.setText("Nothing generated yet")
        self.meta.setText("Drop an image, describe the action and press Generate.")
        self.params.setText("")
        self.params.hide()
        self.strip.reset(0)
        self.player.clear()
        self._update_buttons()

    def start(self, title: str, meta: str, chains: int) -> None:
        """A job just started: empty tiles for its chains, no video yet."""
        self.folder, self.session_id = None, None
        self.title.setText(title)
        self.meta.setText(meta)
        self.params.hide()
        self.strip.reset(chains)
        self.player.clear()
        self._update_buttons()

    def show_session(self, view: SessionView, autoplay: bool = False) -> None:
        session = view.session
        if self.job is not None and self.job.session_id != session.id:
            self.follow(None)
        self.folder, self.session_id = view.folder, session.id
        self.title.setText(session.request.action or session.id)
        self.meta.setText(f"{session_meta(session)} · {session.id}")
        self.params.setText(describe_params(session.request))
        self.params.show()
        self.strip.reset(len(session.chains))
        for chain, image in zip(session.chains, view.chain_images, strict=False):
            if chain.status is ChainStatus.COMPLETED and chain.video:
                self.strip.set_chain(chain.index, image, view.folder / chain.video, chain.prompt)
        if view.final_video is not None:
            self.strip.set_final(view.final_image or QImage(), view.final_video)
            # Opening the media takes a few ms of its own: let the strip paint first.
            QTimer.singleShot(0, self, lambda: self._load_final(view, autoplay))
        else:
            self.player.clear()
        self._update_buttons()

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
        self.export_button.setEnabled(self.player.source is not None)

    def _open_folder(self) -> None:
        if self.folder is not None:
            self.open_folder_requested.emit(self.folder)

    def _export(self) -> None:
        if self.player.source is not None:
            self.export_requested.emit(self.player.source)
