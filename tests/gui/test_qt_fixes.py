"""The binding work-arounds hold: emitting signals never eats references to True/False."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QObject, Signal

import scenemaker_desktop.gui  # noqa: F401  (applies the fixes, as the app does)


class _Source(QObject):
    changed = Signal(object)


def test_emitting_signals_keeps_every_reference_to_true_and_false():
    source = _Source()
    seen = []
    source.changed.connect(seen.append)
    gc.collect()
    before = sys.getrefcount(True), sys.getrefcount(False)

    for index in range(500):
        source.changed.emit(index)
    source.blockSignals(True)
    for index in range(500):
        source.changed.emit(index)
    gc.collect()

    assert (sys.getrefcount(True), sys.getrefcount(False)) == before
    assert seen == list(range(500))
