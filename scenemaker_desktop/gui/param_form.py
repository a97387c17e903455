"""A model's parameter form, generated from the catalog.

Each ``Param`` becomes the control its kind calls for: a combo box for
choices, a slider with a spin box for short ranges, a spin box for long ones,
a check box for flags, a text box for negative prompts. Help text becomes the
tooltip. Ranges are enforced by the controls; combinations that the catalog's
rules refuse are flagged by the window with build_request's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.catalog import ModelSpec, Param, ParamKind
from scenemaker_desktop.gui.analysis_panel import TextField
from scenemaker_desktop.gui.widgets import label, pretty_choice

SLIDER_MAX_SPAN = 200
LABEL_WIDTH = 134
"""Every form in the column uses this label width, so the controls line up across groups."""
SLIDER_TICKS = 100


class Control:
    """One parameter's widget, with a uniform get/set and change signal."""

    def __init__(
        self, param: Param, widget: QWidget, get: Callable[[], Any], put: Callable
    ) -> None:
        self.param, self.widget, self._get, self._put = param, widget, get, put

    def value(self) -> Any:
        return self._get()

    def set_value(self, value: Any) -> None:
        try:
            self._put(self.param.coerce(value, "form"))
        except Exception:
            return  # a stored value the catalog no longer accepts: keep the current one


def make_control(param: Param, on_change: Callable[[], None]) -> Control:
    builders = {
        ParamKind.CHOICE: _choice,
        ParamKind.BOOL: _flag,
        ParamKind.TEXT: _text,
        ParamKind.INT: _number,
        ParamKind.FLOAT: _number,
    }
    # Qt's change signals carry the new value; the form only needs to know "something changed".
    control = builders[param.kind](param, lambda *_: on_change())
    control.widget.setToolTip(param.help)
    control.widget.setObjectName(f"param_{param.key}")
    control.set_value(param.default)
    return control


def _choice(param: Param, on_change: Callable[[], None]) -> Control:
    box = QComboBox()
    for value in param.choices:
        box.addItem(pretty_choice(value), value)
    box.currentIndexChanged.connect(on_change)
    return Control(param, box, box.currentData, lambda v: box.setCurrentIndex(box.findData(v)))


def _flag(param: Param, on_change: Callable[[], None]) -> Control:
    box = QCheckBox(param.label)
    box.toggled.connect(on_change)
    return Control(param, box, box.isChecked, box.setChecked)


def _text(param: Param, on_change: Callable[[], None]) -> Control:
    box = TextField(2, param.help)
    box.textChanged.connect(on_change)
    return Control(param, box, box.text, box.setPlainText)


def _number(param: Param, on_change: Callable[[], None]) -> Control:
    is_int = param.kind is ParamKind.INT
    spin = QSpinBox() if is_int else QDoubleSpinBox()
    low, high = param.minimum or 0, param.maximum or 0
    if is_int:
        spin.setRange(int(low), int(high))
    else:
        step = param.step or 0.1
        spin.setDecimals(max(0, len(f"{step:g}".partition(".")[2])))
        spin.setRange(low, high)
        spin.setSingleStep(step)
    special = param.special_label(param.minimum)
    if special is not None:  # a spin box names only its minimum (seed -1: "Random")
        spin.setSpecialValueText(special)
    spin.setKeyboardTracking(False)
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.valueChanged.connect(on_change)
    if high - low > SLIDER_MAX_SPAN and is_int:
        spin.setMinimumWidth(120)
        return Control(param, spin, spin.value, spin.setValue)
    return _with_slider(param, spin, low, high)


def _with_slider(param: Param, spin: QSpinBox | QDoubleSpinBox, low: float, high: float) -> Control:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(10)
    slider = QSlider(Qt.Orientation.Horizontal)
    is_int = isinstance(spin, QSpinBox)
    ticks = int(high - low) if is_int else SLIDER_TICKS
    slider.setRange(0, ticks)
    slider.setToolTip(param.help)

    def to_tick(value: float) -> int:
        return round((value - low) / (high - low) * ticks) if high > low else 0

    def from_tick(tick: int) -> None:
        value = low + (high - low) * tick / ticks
        if not is_int and param.step:
            value = round(round(value / param.step) * param.step, 6)
        if to_tick(spin.value()) != tick:
            spin.setValue(int(value) if is_int else value)

    slider.valueChanged.connect(from_tick)
    spin.valueChanged.connect(lambda v: slider.setValue(to_tick(v)))
    spin.setFixedWidth(84)
    row.addWidget(slider, 1)
    row.addWidget(spin)
    box.slider, box.spin = slider, spin  # type: ignore[attr-defined]
    return Control(param, box, spin.value, spin.setValue)


def form_caption(param: Param) -> QLabel:
    caption = label(param.label, "muted")
    caption.setToolTip(param.help)
    caption.setFixedWidth(LABEL_WIDTH)
    return caption


def wrap_rows(form: QFormLayout, compact: bool) -> None:
    policy = QFormLayout.RowWrapPolicy
    form.setRowWrapPolicy(policy.WrapAllRows if compact else policy.DontWrapRows)


class ParamForm(QWidget):
    """The form for one model at a time; ``set_model`` rebuilds it from the catalog."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controls: dict[str, Control] = {}
        self.spec: ModelSpec | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(6)
        self._body: QWidget | None = None
        self._show_advanced = False
        self._compact = False

    def set_model(self, spec: ModelSpec, values: Mapping[str, Any] | None = None) -> None:
        self.spec = spec
        self.controls = {}
        if self._body is not None:
            self._body.setParent(None)
            self._body.deleteLater()
        self._body = self._build(spec)
        self._layout.addWidget(self._body)
        self.set_values(values or {})

    def _build(self, spec: ModelSpec) -> QWidget:
        body = QWidget(self)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        basic = [p for p in spec.params if not p.advanced]
        advanced = [p for p in spec.params if p.advanced]
        column.addLayout(self._form(basic))
        if advanced:
            toggle = QToolButton(body)
            toggle.setObjectName("disclosure")
            toggle.setCheckable(True)
            toggle.setChecked(self._show_advanced)
            toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            toggle.setArrowType(self._arrow(self._show_advanced))
            toggle.setText(f"Advanced ({len(advanced)})")
            holder = QWidget(body)
            inner = self._form(advanced)
            inner.setContentsMargins(0, 0, 0, 0)
            holder.setLayout(inner)
            holder.setVisible(self._show_advanced)
            toggle.toggled.connect(lambda on: self._toggle_advanced(on, toggle, holder))
            self.advanced_toggle = toggle
            column.addWidget(toggle)
            column.addWidget(holder)
        return body

    @staticmethod
    def _arrow(open_: bool) -> Qt.ArrowType:
        return Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow

    def _toggle_advanced(self, on: bool, toggle: QToolButton, holder: QWidget) -> None:
        self._show_advanced = on
        toggle.setArrowType(self._arrow(on))
        holder.setVisible(on)

    @property
    def compact(self) -> bool:
        return self._compact

    def set_compact(self, compact: bool) -> None:
        """Captions above their controls (a narrow column), or beside them."""
        self._compact = compact
        for form in self.findChildren(QFormLayout):
            wrap_rows(form, compact)

    def _form(self, params: list[Param]) -> QFormLayout:
        form = QFormLayout()
        wrap_rows(form, self._compact)
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for param in params:
            control = make_control(param, self.changed.emit)
            self.controls[param.key] = control
            if param.kind is ParamKind.BOOL:
                form.addRow("", control.widget)
            else:
                form.addRow(form_caption(param), control.widget)
        return form

    def values(self) -> dict[str, Any]:
        return {key: control.value() for key, control in self.controls.items()}

    def set_values(self, values: Mapping[str, Any]) -> None:
        self.blockSignals(True)
        try:
            for key, value in values.items():
                if key in self.controls:
                    self.controls[key].set_value(value)
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def control(self, key: str) -> QWidget:
        return self.controls[key].widget
