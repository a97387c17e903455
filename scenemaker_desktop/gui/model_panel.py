"""The right-hand column: model picker, its generated form, chains, cost and Generate."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.catalog import (
    CHAINS_PARAM,
    MODELS,
    QUALITY_PARAM,
    SEED_STEPS,
    SESSION_PARAMS,
    ModelSetup,
    ModelSpec,
    ParamKind,
    get_model,
    quality_values,
    validate_setup,
)
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.gui.param_form import (
    Control,
    ParamForm,
    form_caption,
    make_control,
    wrap_rows,
)
from scenemaker_desktop.gui.target_length import TargetLength
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import MARGIN, label, repolish, section_title, vertical_scroll

SESSION_KEY = "_session"
COMPACT_WIDTH = 350
"""Narrower than this, captions go above their controls so nothing is cut off."""


def model_choice_text(spec: ModelSpec) -> str:
    """How a model reads in the picker: its name and what a clip costs at its defaults."""
    per_clip = spec.clip_cost(spec.defaults())
    return f"{spec.display_name} · {f'${per_clip:.2f} a clip' if per_clip else 'free'}"


class ModelPanel(QFrame):
    """Emits ``changed`` on any edit and ``generate_requested`` on Generate."""

    changed = Signal()
    generate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self._memory: dict[str, dict[str, Any]] = {}
        self.form = ParamForm()
        self.session_controls: dict[str, Control] = {}
        self.length = TargetLength(self._setup, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, MARGIN - 2, 0, MARGIN)
        layout.setSpacing(10)
        layout.addLayout(self._header())
        layout.addWidget(self._scroll(), 1)
        layout.addLayout(self._footer())
        self.model_box.currentIndexChanged.connect(self._model_changed)
        self.form.changed.connect(self.changed)
        self.form.changed.connect(self.length.apply)  # the clip length may have changed
        self.length.chains_chosen.connect(self.set_chains)
        self._model_changed()

    # -- layout ------------------------------------------------------------------------

    def _padded(self) -> QVBoxLayout:
        box = QVBoxLayout()
        box.setContentsMargins(MARGIN, 0, MARGIN, 0)
        box.setSpacing(8)
        return box

    def _header(self) -> QVBoxLayout:
        box = self._padded()
        box.addWidget(section_title("Model"))
        self.model_box = QComboBox()
        self.model_box.setObjectName("modelPicker")
        for spec in MODELS:
            self.model_box.addItem(model_choice_text(spec), spec.id)
        self.summary = label("", "hint", wrap=True)
        self.key_note = label("", "error", wrap=True)
        self.key_note.hide()
        box.addWidget(self.model_box)
        box.addWidget(self.summary)
        box.addWidget(self.key_note)
        return box

    def _scroll(self) -> QScrollArea:
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(MARGIN, 4, MARGIN + 4, 4)
        box.setSpacing(12)
        box.addWidget(section_title("Parameters"))
        box.addWidget(self.form)
        box.addSpacing(6)
        box.addWidget(section_title("Session"))
        box.addLayout(self._session_form())
        box.addStretch(1)
        return vertical_scroll(inner)

    def _session_form(self) -> QFormLayout:
        form = self.session_form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for param in SESSION_PARAMS:
            control = make_control(param, self.changed.emit)
            self.session_controls[param.key] = control
            # A check box names itself, as in the model's own form.
            form.addRow("" if param.kind is ParamKind.BOOL else form_caption(param), control.widget)
            if param is CHAINS_PARAM:
                self._length_rows(form)
        quality = self.session_controls[QUALITY_PARAM.key].widget
        quality.currentIndexChanged.connect(self._apply_quality_preset)
        return form

    def _length_rows(self, form: QFormLayout) -> None:
        """Target length, the planner's choice and the reason, right under Chains."""
        form.addRow("Target length (s)", self.length.seconds)
        form.addRow("", self.length.auto)
        form.addRow("", self.length.reason)

    def _setup(self) -> ModelSetup | None:
        try:
            return validate_setup(self.model_id(), self.overrides())
        except ValidationError:
            return None  # the form shows what is wrong; there is no clip length to go by

    def set_chains(self, chains: int) -> None:
        self.session_controls[CHAINS_PARAM.key].set_value(chains)

    def chains(self) -> int:
        return int(self.session_controls[CHAINS_PARAM.key].value())

    def auto_chains(self) -> bool:
        """The next plan chooses the chain count ("Let the planner choose")."""
        return self.length.auto.isChecked()

    def _apply_quality_preset(self) -> None:
        """Show what the chosen quality-vs-speed level sets; every value stays editable."""
        level = self.session_controls[QUALITY_PARAM.key].value()
        values = quality_values(self.spec(), level)
        self.form.set_values(values)
        self.set_session_values({k: v for k, v in values.items() if k != QUALITY_PARAM.key})

    def _offer_seed_steps(self, spec: ModelSpec) -> None:
        """Face steps run on fal.ai: with Local Preview they are off, and say why."""
        for step in SEED_STEPS:
            control = self.session_controls[step.key]
            control.widget.setEnabled(spec.needs_fal)
            if spec.needs_fal:
                control.widget.setToolTip(control.param.help)
            else:
                control.set_value(False)
                control.widget.setToolTip(
                    f"{step.label} runs on fal.ai: choose a cloud model to use it."
                )

    def _footer(self) -> QVBoxLayout:
        box = self._padded()
        row = QHBoxLayout()
        self.cost = label("$0.00", "cost")
        self.cost_detail = label("", "hint", wrap=True)
        self.cost_detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(label("Estimated cost", "muted"))
        row.addStretch(1)
        row.addWidget(self.cost)
        box.addLayout(row)
        box.addWidget(self.cost_detail)
        self.message = label("", "error", wrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        box.addWidget(self.message)
        self.generate_button = QPushButton("  Generate")
        bind_icon(self.generate_button, "generate", "#ffffff")
        self.generate_button.setObjectName("primary")
        self.generate_button.setToolTip("Add this job to the queue (Ctrl+Enter)")
        self.generate_button.clicked.connect(self.generate_requested)
        box.addWidget(self.generate_button)
        self.shortcut_hint = label("Ctrl+Enter", "hint")
        self.shortcut_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.shortcut_hint)
        return box

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)
        compact = self.width() < COMPACT_WIDTH
        if compact != self.form.compact:
            self.form.set_compact(compact)
            wrap_rows(self.session_form, compact)

    # -- state -------------------------------------------------------------------------

    def model_id(self) -> str:
        return str(self.model_box.currentData())

    def spec(self) -> ModelSpec:
        return get_model(self.model_id())

    def set_model(self, model_id: str) -> None:
        index = self.model_box.findData(get_model(model_id).id)
        if index >= 0:
            self.model_box.setCurrentIndex(index)

    def _model_changed(self) -> None:
        if self.form.spec is not None:
            self._memory[self.form.spec.id] = self.form.values()
        spec = self.spec()
        self.summary.setText(spec.summary)
        self.form.set_model(spec, self._memory.get(spec.id, {}))
        self._offer_seed_steps(spec)
        self.length.apply()
        self.changed.emit()

    def session_values(self) -> dict[str, Any]:
        return {key: c.value() for key, c in self.session_controls.items()}

    def overrides(self) -> dict[str, Any]:
        """Model parameters plus chains, seam and crossfade, as build_request takes them."""
        return {**self.form.values(), **self.session_values()}

    def set_session_values(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key in self.session_controls:
                self.session_controls[key].set_value(value)

    def load(self, model_id: str, values: dict[str, Any]) -> None:
        """Show ``model_id`` with ``values`` (remix, or the last-used parameters)."""
        spec = get_model(model_id)
        self._memory[spec.id] = dict(values)
        if self.model_id() == spec.id:
            self.form.set_values(values)
        else:
            self.set_model(spec.id)
        self.set_session_values(values)

    def remembered(self) -> dict[str, Any]:
        """Every model's last values, for Settings.last_params."""
        memory = dict(self._memory)
        memory[self.model_id()] = self.form.values()
        memory[SESSION_KEY] = self.session_values()
        return memory

    def restore(self, memory: dict[str, Any], model_id: str) -> None:
        for key, values in memory.items():
            if key != SESSION_KEY and isinstance(values, dict):
                self._memory[key] = dict(values)
        if isinstance(memory.get(SESSION_KEY), dict):
            self.set_session_values(memory[SESSION_KEY])
        if model_id:
            self.set_model(model_id)
        self.form.set_values(self._memory.get(self.model_id(), {}))

    def show_verdict(
        self, cost: str, detail: str, problem: str | None, level: str, ready: bool
    ) -> None:
        """What the window concluded from build_request: cost, the problem (if any)."""
        self.cost.setText(cost)
        self.cost_detail.setText(detail)
        self.message.setText(problem or "")
        self.message.setVisible(bool(problem))
        if self.message.objectName() != level:
            self.message.setObjectName(level)
            repolish(self.message)
        self.generate_button.setEnabled(ready)

    def show_key_note(self, text: str | None) -> None:
        self.key_note.setText(text or "")
        self.key_note.setVisible(bool(text))
