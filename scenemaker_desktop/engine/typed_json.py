"""JSON data in and out of dataclasses by their type hints, checked on the way in.

One decoder for everything we read back from disk or from another process
(session.json, the render worker's messages): a value whose type is not the
declared one raises ``ShapeError`` naming the field, instead of turning up
later as an AttributeError deep inside the app. Strings are never made from
containers, numbers must be finite, unknown keys are ignored (a newer version
may have written them), and a missing field takes its default or is an error.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


class ShapeError(ValueError):
    """The data does not have the declared shape; the message says where."""


def to_plain(value: Any) -> Any:
    """A dataclass (or anything inside one) as JSON-ready data."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    return value


def from_plain(cls: type[T], data: Any, where: str = "") -> T:
    """``data`` as a ``cls`` dataclass, every field checked against its type hint."""
    if not isinstance(data, dict):
        raise ShapeError(f"{where or cls.__name__} must be an object, not {_kind(data)}")
    hints = get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.name in data:
            values[field.name] = typed(hints[field.name], data[field.name], _at(where, field.name))
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise ShapeError(f"{_at(where, field.name)} is missing")
    return cls(**values)


def typed(kind: Any, value: Any, where: str) -> Any:
    """``value`` as the declared type ``kind``, or ShapeError."""
    origin = get_origin(kind)
    if kind is Any:
        return value
    if origin in (Union, types.UnionType):
        return _union(kind, value, where)
    if origin in (list, tuple):
        (inner, *_) = get_args(kind) or (Any,)
        items = _checked(list, value, where)
        checked = [typed(inner, item, f"{where}[{i}]") for i, item in enumerate(items)]
        return tuple(checked) if origin is tuple else checked
    if origin is dict:
        _, inner = get_args(kind) or (str, Any)
        mapping = _checked(dict, value, where)
        return {
            _checked(str, k, where): typed(inner, v, f"{where}.{k}") for k, v in mapping.items()
        }
    if kind is Path:
        return Path(_checked(str, value, where))
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in kind)
            raise ShapeError(f"{where} must be one of {allowed}, not {value!r}") from None
    if dataclasses.is_dataclass(kind):
        return value if isinstance(value, kind) else from_plain(kind, value, where)
    if kind is float:
        number = float(_checked((int, float), value, where))
        if not math.isfinite(number):
            raise ShapeError(f"{where} must be a finite number")
        return number
    return _checked(kind, value, where)


def _union(kind: Any, value: Any, where: str) -> Any:
    arguments = get_args(kind)
    if value is None and type(None) in arguments:
        return None
    inner = [arg for arg in arguments if arg is not type(None)]
    if len(inner) == 1:
        return typed(inner[0], value, where)
    for option in inner:
        try:
            return typed(option, value, where)
        except ShapeError:
            continue
    raise ShapeError(f"{where} has the wrong type ({_kind(value)})")


def _checked(kind: type | tuple[type, ...], value: Any, where: str) -> Any:
    if isinstance(value, bool) and kind is not bool:
        raise ShapeError(f"{where} must not be true or false")
    if not isinstance(value, kind):
        names = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(_NAMES.get(k, k.__name__) for k in names)
        raise ShapeError(f"{where} must be {wanted}, not {_kind(value)}")
    return value


_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
          list: "a list", dict: "an object"}  # fmt: skip


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _NAMES.get(type(value), type(value).__name__)


def _at(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name
