"""Parameters as data: one definition drives forms, validation, CLI --set and fal arguments."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scenemaker_desktop.engine.errors import ValidationError

TEXT_LIMIT = 1000
"""The longest text a parameter takes unless it says otherwise (fal cuts prompts near 900)."""
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ParamKind(enum.Enum):
    CHOICE = "choice"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TEXT = "text"


@dataclass(frozen=True)
class Param:
    """One model parameter.

    ``fal_field`` names the field sent to fal (None: never sent, e.g. local-only
    knobs). ``value_aliases`` maps spellings we accept to the canonical value
    (Luma's "5" → "5s"), so old requests and casual CLI input both work.
    ``omit_when`` lists values that mean "let the service choose" and are not sent.
    ``special_labels`` names values that mean something other than their number
    (a seed of -1 is "Random"). ``legacy_field`` is the field the old web app's
    VideoGenerationRequest used for this parameter ("kling_creativity").
    """

    key: str
    label: str
    kind: ParamKind
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    fal_field: str | None = None
    value_aliases: Mapping[str, str] = field(default_factory=dict)
    omit_when: tuple[Any, ...] = ()
    advanced: bool = False
    special_labels: Mapping[Any, str] = field(default_factory=dict)
    legacy_field: str | None = None
    max_length: int = TEXT_LIMIT
    """For text: the longest value accepted (in characters)."""

    def special_label(self, value: Any) -> str | None:
        """The word for a value that means more than itself ("Random" for seed -1), or None."""
        return self.special_labels.get(value)

    def coerce(self, value: Any, model_id: str) -> Any:
        """Return ``value`` as this parameter's canonical type, or raise ValidationError.

        Lists and objects are never turned into text, numbers must be finite, and text
        has a length limit: what reaches a paid model is what the user meant."""
        if not isinstance(value, str | int | float | bool | None):
            raise self._fail(model_id)
        if self.kind is ParamKind.CHOICE:
            return self._coerce_choice(value, model_id)
        if self.kind is ParamKind.BOOL:
            return self._coerce_bool(value, model_id)
        if self.kind is ParamKind.TEXT:
            return self._coerce_text(value, model_id)
        return self._coerce_number(value, model_id)

    def allowed_text(self) -> str:
        """How a user reads what this parameter accepts."""
        if self.kind is ParamKind.CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.kind is ParamKind.BOOL:
            return "true or false"
        if self.kind is ParamKind.TEXT:
            return f"text of at most {self.max_length} characters"
        return f"a {'whole ' if self.kind is ParamKind.INT else ''}number from " + (
            f"{_fmt(self.minimum)} to {_fmt(self.maximum)}"
        )

    def _fail(self, model_id: str) -> ValidationError:
        return ValidationError(f"{model_id}: {self.key} must be {self.allowed_text()}")

    def _coerce_choice(self, value: Any, model_id: str) -> str:
        text = str(value).strip()
        text = self.value_aliases.get(text, text)
        if text not in self.choices:
            lowered = {c.lower(): c for c in self.choices}
            text = lowered.get(text.lower(), text)
        if text not in self.choices:
            raise self._fail(model_id)
        return text

    def _coerce_bool(self, value: Any, model_id: str) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self._fail(model_id)

    def _coerce_text(self, value: Any, model_id: str) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self._fail(model_id)
        if len(value) > self.max_length:
            raise ValidationError(
                f"{model_id}: {self.key} is too long ({len(value):,} characters; "
                f"at most {self.max_length})"
            )
        return value

    def _coerce_number(self, value: Any, model_id: str) -> int | float:
        number = _finite_number(value)
        if number is None:
            raise self._fail(model_id)
        if self.kind is ParamKind.INT:
            if isinstance(number, float):
                if not number.is_integer():
                    raise self._fail(model_id)
                number = int(number)
        else:
            number = float(number)
        low_ok = self.minimum is None or number >= self.minimum
        high_ok = self.maximum is None or number <= self.maximum
        if not (low_ok and high_ok):
            raise self._fail(model_id)
        return number

    def describe(self) -> dict[str, Any]:
        """A JSON-friendly description (for `scenemaker models --json` and the GUI)."""
        data: dict[str, Any] = {
            "key": self.key,
            "label": self.label,
            "type": self.kind.value,
            "default": self.default,
            "help": self.help,
        }
        if self.choices:
            data["choices"] = list(self.choices)
        if self.minimum is not None:
            data["minimum"] = self.minimum
        if self.maximum is not None:
            data["maximum"] = self.maximum
        if self.fal_field:
            data["fal_field"] = self.fal_field
        if self.legacy_field:
            data["old_field"] = self.legacy_field
        if self.special_labels:
            data["special_values"] = {str(v): label for v, label in self.special_labels.items()}
        return data


def _finite_number(value: Any) -> int | float | None:
    """``value`` as an int (kept exact, however large) or a finite float; None if neither."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = int(value.strip()) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            return None
        if isinstance(value, int):
            return value
    return value if math.isfinite(value) else None


def _fmt(number: float | None) -> str:
    if number is None:
        return "?"
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def choice(
    key: str, label: str, choices: tuple[str, ...], default: str, help: str, **kw: Any
) -> Param:
    return Param(key, label, ParamKind.CHOICE, default, help, choices=choices, **kw)


def integer(key: str, label: str, low: int, high: int, default: int, help: str, **kw: Any) -> Param:
    return Param(key, label, ParamKind.INT, default, help, minimum=low, maximum=high, step=1, **kw)


def number(
    key: str, label: str, low: float, high: float, default: float, help: str, **kw: Any
) -> Param:
    return Param(key, label, ParamKind.FLOAT, default, help, minimum=low, maximum=high, **kw)


def flag(key: str, label: str, default: bool, help: str, **kw: Any) -> Param:
    return Param(key, label, ParamKind.BOOL, default, help, **kw)


def text(key: str, label: str, default: str, help: str, **kw: Any) -> Param:
    return Param(key, label, ParamKind.TEXT, default, help, **kw)
