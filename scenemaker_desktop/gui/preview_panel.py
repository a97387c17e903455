"""The centre of the studio: what the current session looks like, clip by clip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from scenemaker_desktop.engine.catalog import ParamKind, get_model
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session
from scenemaker_desktop.engine.sessions.store import SessionStore
from scenemaker_desktop.gui.chain_strip import ChainStrip
from scenemaker_desktop.gui.images import load_thumbnail
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


def load_session_view(store: SessionStore, session_id: str) -> SessionView:
    session = store.load(session_id)
    folder = store.folder(session_id)
    images = [load_thumbnail(store.path_of(session, c.thumbnail)) for c in session.chains]
    final = store.path_of(session, session.final_video)
    # The final video opens on chain 1's picture; session.thumbnail is the input image.
    final_image = images[0] if images else None
    if final is not None and not final.is_file():
        final = None
    return SessionView(session, folder, images, final, final_image)


def model_name(model_id: str) -> str:
    try:
        return get_model(model_id).display_name
    except ValidationError:
        return model_id or "unknown model"


def describe_params(request: dict[str, Any]) -> str:
    """The request's parameters as one readable line (text fields left out)."""
    try:
        spec = get_model(str(request.get("model", "")))
    except ValidationError:
        return ""
    params = request.get("params") or {}
    parts = []
    for param in spec.params:
        if param.kind is ParamKind.TEXT or param.key not in params:
            continue
        value = params[param.key]
        if param.kind is ParamKind.BOOL:
            text = "on" if value else "off"
        elif param.key == "seed" and value == -1:
            text = "random"
        else:
            text = pretty_choice(str(value))
        parts.append(f"{param.label} {text}")
    parts.append(f"Seams {request.get('seam', 'exact')}")
    return " · ".join(parts)


def session_meta(session: Session) -> str:
    chains = len(session.chains)
    parts = [
        model_name(session.model),
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

    def clear(self) -> None:
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
        self.folder, self.session_id = view.folder, session.id
        action = str(session.request.get("action", "")) or session.id
        self.title.setText(action)
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

    def chain_ready(self, index: int, image: QImage, video: Path, prompt: str) -> None:
        """A chain of the shown job finished: fill its tile and show its picture."""
        self.folder = video.parent.parent
        self.strip.set_chain(index, image, video, prompt)
        self.strip.set_running(index + 1)
        if not image.isNull():
            self.player.show_still(image)
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
