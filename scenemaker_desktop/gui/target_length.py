"""How long the video should be: a target length sets the chain count, with the reason.

"Chains" stays editable: the length is a way to set it, not a second truth.
"Let the planner choose" hands the count to the next plan instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox

from scenemaker_desktop.engine.catalog import ModelSetup
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.story.length import chains_for_duration
from scenemaker_desktop.gui.widgets import label, repolish

MAX_SECONDS = 600.0


class TargetLength(QObject):
    """The length box, the planner's check box and the reason line: three rows the model
    panel puts in its form under Chains."""

    chains_chosen = Signal(int)

    def __init__(self, setup: Callable[[], ModelSetup | None], parent: QObject | None = None):
        super().__init__(parent)
        self._setup = setup
        self.seconds = QDoubleSpinBox()
        self.seconds.setObjectName("targetLength")
        self.seconds.setRange(0.0, MAX_SECONDS)
        self.seconds.setDecimals(0)
        self.seconds.setSuffix(" s")
        # 0 reads as "—": no target, the chain count is set by hand.
        self.seconds.setSpecialValueText("—")
        self.seconds.setToolTip(
            "How long the video should be: sets Chains from the model's clip length"
        )
        self.auto = QCheckBox("Let the planner choose")
        self.auto.setToolTip(
            "The next plan (Re-plan) chooses how many chains the action needs and sets Chains"
        )
        self.reason = label("", "hint", wrap=True)
        self.reason.hide()
        self.seconds.valueChanged.connect(self.apply)

    def target(self) -> float:
        return self.seconds.value()

    def apply(self) -> None:
        """Set the chain count for the target length (nothing without a target)."""
        seconds, setup = self.target(), self._setup()
        if seconds <= 0 or setup is None:
            self.show_reason("")
            return
        try:
            choice = chains_for_duration(setup, seconds)
        except ValidationError as exc:
            self.show_reason(str(exc), error=True)
            return
        self.show_reason(choice.reason)
        self.chains_chosen.emit(choice.chains)

    def show_reason(self, text: str, error: bool = False) -> None:
        self.reason.setText(text)
        self.reason.setVisible(bool(text))
        name = "error" if error else "hint"
        if self.reason.objectName() != name:
            self.reason.setObjectName(name)
            repolish(self.reason)
