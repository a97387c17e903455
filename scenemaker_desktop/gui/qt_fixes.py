"""Work-arounds for bugs in the Qt binding we run on, each detected before it is applied.

PySide6 6.12.0: ``SignalInstance.emit()`` returns ``True`` without taking a
reference, so every emit from Python costs ``True`` one reference. After a few
thousand emits (a minute of progress updates) CPython frees ``True`` and aborts
with "bool_dealloc: deallocating True or False". 6.11.3 does not do this. We
probe for the bug once and, only where it shows, give back the reference each
emit takes.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

_installed = False


class _Probe(QObject):
    ping = Signal()


def emit_steals_references() -> dict[bool, bool]:
    """Whether emit() eats a reference to the value it returns, for True and False."""
    probe = _Probe()
    result = {}
    for blocked in (False, True):
        probe.blockSignals(blocked)
        # No gc.collect(): references to True/False are never held by cycles.
        value = bool(probe.ping.emit())
        before = sys.getrefcount(value)
        for _ in range(8):
            probe.ping.emit()
        result[value] = sys.getrefcount(value) < before
    return result


def install() -> bool:
    """Patch emit() when (and only when) this binding has the bug; True when patched."""
    global _installed
    if _installed:
        return True
    leaks = emit_steals_references()
    if not any(leaks.values()):
        return False
    original = SignalInstance.emit
    incref = ctypes.pythonapi.Py_IncRef
    incref.argtypes = [ctypes.py_object]

    def emit(self: SignalInstance, *args: Any) -> Any:
        returned = original(self, *args)
        if isinstance(returned, bool) and leaks.get(returned):
            incref(returned)
        return returned

    SignalInstance.emit = emit  # type: ignore[method-assign]
    _installed = True
    return True
