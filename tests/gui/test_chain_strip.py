"""The chain strip reuses its tiles from job to job and keeps them in chain order."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from scenemaker_desktop.gui.chain_strip import FINAL, ChainStrip, ChainTile
from scenemaker_desktop.gui.theme import apply_theme


def _row(qtbot, strip: ChainStrip) -> list[str]:
    """The captions of the tiles the user sees, left to right."""
    qtbot.wait(1)  # the layout places new tiles, and dropped ones go, on the next turn
    shown = [tile for tile in strip.findChildren(ChainTile) if tile.isVisibleTo(strip)]
    return [tile.caption for tile in sorted(shown, key=lambda tile: tile.x())]


def _finish_everything(strip: ChainStrip, tmp_path: Path) -> None:
    image = QImage(32, 18, QImage.Format.Format_RGB32)
    image.fill(0x336699)
    for tile in strip.tiles:
        strip.set_chain(tile.index, image, tmp_path / f"chain{tile.index}.mp4", "a prompt")
    strip.set_final(image, tmp_path / "final.mp4")


def test_a_new_job_reuses_the_tiles_and_empties_them(qtbot, themed, tmp_path):
    strip = ChainStrip()
    qtbot.addWidget(strip)
    strip.show()
    strip.reset(3)
    first_tiles, first_final = list(strip.tiles), strip.final
    _finish_everything(strip, tmp_path)
    assert strip.ready_count() == 3 and strip.final.isChecked()

    strip.reset(2)

    assert strip.tiles == first_tiles[:2] and strip.final is first_final
    assert _row(qtbot, strip) == ["Chain 1", "Chain 2", "Final video"]
    assert strip.ready_count() == 0 and not strip.final.ready
    assert not any(t.isChecked() or t.isEnabled() for t in [*strip.tiles, strip.final])
    assert all(t.toolTip() == "" for t in strip.tiles)


def test_more_chains_go_before_the_final_tile_and_none_empties_the_row(qtbot, themed):
    strip = ChainStrip()
    qtbot.addWidget(strip)
    strip.show()
    strip.reset(1)
    strip.reset(4)
    assert _row(qtbot, strip) == ["Chain 1", "Chain 2", "Chain 3", "Chain 4", "Final video"]
    assert [t.index for t in strip.tiles] == [0, 1, 2, 3] and strip.final.index == FINAL

    strip.reset(0)
    assert _row(qtbot, strip) == [] and strip.final is None
    assert not strip.empty.isHidden()


def test_running_text_and_theme_change_redraw_the_placeholder(qtbot, themed):
    strip = ChainStrip()
    qtbot.addWidget(strip)
    strip.reset(2)
    waiting = strip.tiles[1].icon().pixmap(152, 86).toImage()

    strip.set_running(1, 0.4)
    rendering = strip.tiles[1].icon().pixmap(152, 86).toImage()
    assert rendering != waiting

    apply_theme(themed, "light")
    assert strip.tiles[1].icon().pixmap(152, 86).toImage() != rendering
    strip.set_running(1, 0.4)  # same text, same theme: nothing to redraw
    apply_theme(themed, "dark")
    assert strip.tiles[1].icon().pixmap(152, 86).toImage() == rendering
