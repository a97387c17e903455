"""A strip of chain thumbnails that fill in as chains finish; clicking one plays it.

The strip changes while renders run (a new job, "rendering 40 %", a chain done),
so tiles are reused across jobs and placeholder pictures are drawn once per text.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QWidget,
)

from scenemaker_desktop.gui.theme import current_colours, on_theme_change
from scenemaker_desktop.gui.widgets import cover_pixmap, repolish

TILE = QSize(120, 68)
"""Small enough for a laptop screen to keep the player tall; the strip scrolls sideways."""
FINAL = -1


class ChainTile(QToolButton):
    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.video: Path | None = None
        self._state = ""
        self._prompt = ""
        self._measured = ""
        self.setObjectName("chainTile")
        self.setCheckable(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setIconSize(TILE)
        self.setFixedSize(TILE.width() + 14, TILE.height() + 34)
        self.setEnabled(False)
        self.show_pending("waiting")

    @property
    def caption(self) -> str:
        return "Final video" if self.index == FINAL else f"Chain {self.index + 1}"

    def show_pending(self, state: str) -> None:
        if self.video is None and self._state == state:
            return
        self.video, self._state = None, state
        self.setIcon(_placeholder(self.caption if self.index == FINAL else state, _variant()))
        self.setText(self.caption)
        self.setToolTip("")
        self.setEnabled(False)
        self.set_continuity("", ())

    def show_ready(self, image: QImage, video: Path, prompt: str = "") -> None:
        self.video, self._state, self._prompt = video, "", prompt
        if not image.isNull():
            self.setIcon(QIcon(cover_pixmap(image, TILE)))
        self.setText(self.caption)
        self._update_tooltip()
        self.setEnabled(True)

    def set_continuity(self, measured: str, flags: tuple[str, ...]) -> None:
        """What was measured on this chain; a flagged chain says why and shows ⚑."""
        self._measured = "\n".join([measured, *(f"⚑ {flag}" for flag in flags)]).strip()
        flagged = bool(flags)
        self.setText(f"{self.caption} ⚑" if flagged else self.caption)
        if self.property("flagged") != flagged:
            self.setProperty("flagged", flagged)
            repolish(self)
        self._update_tooltip()

    def _update_tooltip(self) -> None:
        if self.video is not None:
            parts = (self._prompt or self.caption, self._measured)
            self.setToolTip("\n\n".join(part for part in parts if part))

    def repaint_placeholder(self) -> None:
        """Draw the current placeholder again (the theme changed)."""
        state, self._state = self._state, ""
        self.show_pending(state or "waiting")

    @property
    def state(self) -> str:
        """What the placeholder says ("waiting", "queued", "rendering 40 %"…); "" when ready."""
        return self._state

    @property
    def ready(self) -> bool:
        return self.video is not None


def _variant() -> str:
    return current_colours()["window"]  # the cache key for "which theme"


@functools.lru_cache(maxsize=128)  # ~50 KB each: waiting, rendering 0-100 %, per theme
def _placeholder(text: str, variant: str) -> QIcon:
    """A tile's picture while it has none; ``variant`` only keys the cache per theme."""
    colours = current_colours()
    pixmap = QPixmap(TILE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(_colour(colours["raised"]))
    painter.setPen(_colour(colours["border"]))
    painter.drawRoundedRect(pixmap.rect().adjusted(0, 0, -1, -1), 6, 6)
    painter.setPen(_colour(colours["muted"]))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return QIcon(pixmap)


def _colour(value: str):
    from PySide6.QtGui import QColor

    return QColor(value)


class ChainStrip(QScrollArea):
    """One tile per chain plus the final video; emits ``play_requested(path)``, and
    ``regenerate_requested(index)`` from a chain's menu while ``can_regenerate``."""

    play_requested = Signal(Path)
    regenerate_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chainStrip")
        self.setWidgetResizable(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(TILE.height() + 52)
        self._inner = QWidget()
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(10)
        self.empty = QLabel("Chain previews appear here as each clip finishes.")
        self.empty.setObjectName("hint")
        self._row.addWidget(self.empty)
        self._row.addStretch(1)
        self.setWidget(self._inner)
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self.tiles: list[ChainTile] = []
        self.final: ChainTile | None = None
        self.can_regenerate = False
        on_theme_change(self._repaint_placeholders)

    def _repaint_placeholders(self) -> None:
        for tile in [*self.tiles, *([self.final] if self.final else [])]:
            if not tile.ready:
                tile.repaint_placeholder()

    def reset(self, chains: int) -> None:
        """``chains`` empty tiles and the final one; the tiles already there are reused."""
        self._uncheck()
        for tile in self.tiles[chains:]:
            self._remove(tile)
        self.tiles = self.tiles[:chains]
        for tile in self.tiles:
            tile.show_pending("waiting")
        while len(self.tiles) < chains:  # the row: the empty hint, tiles, final, stretch
            self.tiles.append(self._add(ChainTile(len(self.tiles)), 1 + len(self.tiles)))
        if chains and self.final is None:
            self.final = self._add(ChainTile(FINAL), 1 + chains)
        elif self.final is not None and not chains:
            self._remove(self.final)
            self.final = None
        elif self.final is not None:
            self.final.show_pending("waiting")
        self.empty.setVisible(chains == 0)

    def _uncheck(self) -> None:
        checked = self._group.checkedButton()
        if checked is not None:  # an exclusive group will not let its last button go
            self._group.setExclusive(False)
            checked.setChecked(False)
            self._group.setExclusive(True)

    def _add(self, tile: ChainTile, position: int) -> ChainTile:
        self._row.insertWidget(position, tile)
        self._group.addButton(tile)
        tile.clicked.connect(lambda: self._clicked(tile))
        if tile.index != FINAL:
            tile.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            tile.customContextMenuRequested.connect(lambda at: self._tile_menu(tile, at))
        return tile

    def _tile_menu(self, tile: ChainTile, at: QPoint) -> None:
        menu = QMenu(tile)
        action = menu.addAction(f"Regenerate from chain {tile.index + 1}…")
        action.setEnabled(self.can_regenerate)
        if not self.can_regenerate:
            action.setToolTip("Possible once the session has stopped")
        action.triggered.connect(lambda: self.regenerate_requested.emit(tile.index))
        menu.popup(tile.mapToGlobal(at))

    def _remove(self, tile: ChainTile) -> None:
        self._group.removeButton(tile)
        self._row.removeWidget(tile)
        tile.deleteLater()

    def _clicked(self, tile: ChainTile) -> None:
        if tile.video is not None:
            self.play_requested.emit(tile.video)

    def set_chain(self, index: int, image: QImage, video: Path, prompt: str = "") -> None:
        if 0 <= index < len(self.tiles):
            self.tiles[index].show_ready(image, video, prompt)

    def set_continuity(self, index: int, measured: str, flags: tuple[str, ...]) -> None:
        if 0 <= index < len(self.tiles):
            self.tiles[index].set_continuity(measured, flags)

    def set_running(self, index: int, fraction: float | None = None, queued: bool = False) -> None:
        """Chain ``index`` is being made: in the service's queue, or ``fraction`` rendered."""
        if queued:
            self.set_pending(index, "queued")
        elif fraction is None or fraction < 0.01:
            self.set_pending(index, "rendering…")
        else:
            self.set_pending(index, f"rendering {int(fraction * 100)} %")

    def set_pending(self, index: int, state: str) -> None:
        """A chain with no clip: "waiting", "queued", "cancelled", "failed"…"""
        if 0 <= index < len(self.tiles) and not self.tiles[index].ready:
            self.tiles[index].show_pending(state)

    def set_final(self, image: QImage, video: Path) -> None:
        if self.final is not None:
            self.final.show_ready(image, video, "The assembled video")
            self.final.setChecked(True)

    def ready_count(self) -> int:
        return sum(1 for tile in self.tiles if tile.ready)
