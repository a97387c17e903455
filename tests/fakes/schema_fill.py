"""Make up a JSON value that satisfies a JSON schema (the subset structured outputs use).

Handles objects (every property, since strict mode makes them all required),
arrays, enums, const, string length limits, numeric bounds, ``$ref`` into
``$defs``/``definitions``, ``anyOf``/``oneOf`` (first non-null branch),
``allOf`` and nullable type lists. Strings name their field so a test can see
which value landed where: ``"theme: fake theme 1"``.
"""

from __future__ import annotations

import itertools
from typing import Any

Schema = dict[str, Any]


class SchemaFiller:
    """Fills schemas; numbers strings with a running counter so values differ per call."""

    def __init__(self, text_hint: str = "fake") -> None:
        self._hint = text_hint
        self._counter = itertools.count(1)

    def fill(self, schema: Schema) -> Any:
        return self._value(schema, schema, "value", depth=0)

    def _value(self, schema: Schema, root: Schema, name: str, depth: int) -> Any:
        if depth > 12:
            return None  # recursive schemas: stop before the stack does
        schema = self._resolve(schema, root)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                return self._value(_first_non_null(schema[key]), root, name, depth + 1)
        if "allOf" in schema:
            merged: Schema = {}
            for part in schema["allOf"]:
                merged.update(self._resolve(part, root))
            return self._value(merged, root, name, depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        return self._typed(schema, root, name, depth)

    def _typed(self, schema: Schema, root: Schema, name: str, depth: int) -> Any:
        kind = _main_type(schema)
        if kind == "object":
            props = schema.get("properties", {})
            return {key: self._value(sub, root, key, depth + 1) for key, sub in props.items()}
        if kind == "array":
            count = max(int(schema.get("minItems", 1)), 1)
            count = min(count, int(schema.get("maxItems", count)))
            item = schema.get("items", {"type": "string"})
            return [self._value(item, root, name, depth + 1) for _ in range(count)]
        if kind in ("integer", "number"):
            return _number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self._string(schema, name)

    def _string(self, schema: Schema, name: str) -> str:
        label = name.replace("_", " ")
        text = f"{name}: {self._hint} {label} {next(self._counter)}"
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        if len(text) < low:
            text = text + "." * (low - len(text))
        if high is not None:
            text = text[: int(high)]
        return text

    @staticmethod
    def _resolve(schema: Schema, root: Schema) -> Schema:
        seen = 0
        while "$ref" in schema and seen < 32:
            node: Any = root
            for part in schema["$ref"].lstrip("#/").split("/"):
                node = node[part] if part else node
            schema, seen = node, seen + 1
        return schema


def _first_non_null(options: list[Schema]) -> Schema:
    for option in options:
        if option.get("type") != "null":
            return option
    return options[0]


def _main_type(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    return str(kind)


def _number(schema: Schema, *, integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        value: float = (low + high) / 2
    elif low is not None:
        value = low + 1
    elif high is not None:
        value = high - 1
    else:
        value = 1
    return round(value) if integer else float(value)
