"""A splitter whose main pane gives way last.

QSplitter shares a shrinking window by stretch factor, so the pane that takes
the extra room when the window grows (the video) is also the one that loses it
first when the window shrinks, down to its minimum, while the side panels keep
their width. Here the other panes give way first: they keep the size the artist
gave them while there is room, shrink toward their minimum when the main pane
would drop below ``comfort``, and take their size back when room returns. A
pane dragged shut stays shut.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QWidget


class GivingSplitter(QSplitter):
    def __init__(
        self,
        orientation: Qt.Orientation,
        main: int,
        comfort: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(orientation, parent)
        self._main, self._comfort = main, comfort
        self._wanted: list[int] = []
        """The sizes the artist chose (or the first ones); the other panes return to them."""
        self.splitterMoved.connect(self._remember)

    def set_wanted(self, sizes: list[int]) -> None:
        self._wanted = list(sizes)
        self.setSizes(sizes)

    def _remember(self) -> None:
        self._wanted = self.sizes()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        self._give_way()

    def _give_way(self) -> None:
        sizes = self.sizes()
        if len(self._wanted) != len(sizes) or not sum(sizes):
            return
        total = sum(sizes)
        others = [i for i in range(len(sizes)) if i != self._main]
        wanted = {i: self._wanted[i] for i in others}
        excess = sum(wanted.values()) - max(0, total - self._comfort)
        if excess > 0:
            wanted = _shrink(wanted, {i: self._least(i, wanted[i]) for i in others}, excess)
        new = list(sizes)
        for i in others:
            new[i] = wanted[i]
        new[self._main] = total - sum(wanted.values())
        if new != sizes:
            self.setSizes(new)

    def _least(self, index: int, wanted: int) -> int:
        if wanted == 0:
            return 0  # dragged shut: stays shut
        pane = self.widget(index)
        hint = pane.minimumSizeHint()
        minimum = pane.minimumSize()
        if self.orientation() is Qt.Orientation.Horizontal:
            return min(wanted, max(minimum.width(), hint.width()))
        return min(wanted, max(minimum.height(), hint.height()))


def _shrink(wanted: dict[int, int], least: dict[int, int], excess: int) -> dict[int, int]:
    """Take ``excess`` from the panes in proportion to what each can give."""
    room = {i: wanted[i] - least[i] for i in wanted}
    can_give = sum(room.values())
    if can_give <= 0:
        return dict(least)
    share = min(1.0, excess / can_give)
    return {i: wanted[i] - round(room[i] * share) for i in wanted}
