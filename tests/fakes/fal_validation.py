"""Validate a request body against the pinned schemas the way fal's apps do.

Errors come back in fal's (pydantic-shaped) form so the fake can answer
``422 {"detail": [{"loc": ["body", field], "msg", "type", ...}]}``. Types are
strict on purpose: ``5`` for Pixverse's ``"5"`` duration is a real bug.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.fal_schemas import RULES, SCHEMAS

ErrorItem = dict[str, Any]
_DOCS = "https://docs.fal.ai/errors"

_TYPE_CHECKS = {
    "string": (lambda v: isinstance(v, str), "string_type", "Input should be a valid string"),
    "integer": (
        lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int_type",
        "Input should be a valid integer",
    ),
    "number": (
        lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "float_type",
        "Input should be a valid number",
    ),
    "boolean": (lambda v: isinstance(v, bool), "bool_type", "Input should be a valid boolean"),
}


def validate(app_id: str, body: Any) -> list[ErrorItem]:
    """Every problem with ``body`` for ``app_id``; an empty list when it is valid."""
    if not isinstance(body, dict):
        return [_error([], "model_attributes_type", "Input should be a valid object", body)]
    schema = SCHEMAS[app_id]
    errors: list[ErrorItem] = []
    for name, spec in schema.items():
        if name in body:
            errors.extend(_check_field(name, spec, body[name]))
        elif spec.get("required"):
            errors.append(_error([name], "missing", "Field required", body))
    for name in body:
        if name not in schema:
            errors.append(
                _error([name], "extra_forbidden", "Extra inputs are not permitted", body[name])
            )
    if not errors:
        errors.extend(_check_rules(app_id, body))
    return errors


def with_defaults(app_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """``body`` completed with the schema's defaults, as the app would see it."""
    filled = {k: v["default"] for k, v in SCHEMAS[app_id].items() if "default" in v}
    filled.update(body)
    return filled


def _check_field(name: str, spec: dict[str, Any], value: Any) -> list[ErrorItem]:
    if "enum" in spec:
        if value not in spec["enum"] or type(value) is not type(spec["enum"][0]):
            options = " or ".join(repr(o) for o in spec["enum"])
            return [
                _error(
                    [name],
                    "literal_error",
                    f"Input should be {options}",
                    value,
                    {"expected": options},
                )
            ]
        return []
    check, kind, msg = _TYPE_CHECKS[spec["type"]]
    if not check(value):
        return [_error([name], kind, msg, value)]
    return _check_bounds(name, spec, value)


def _check_bounds(name: str, spec: dict[str, Any], value: Any) -> list[ErrorItem]:
    if "ge" in spec and value < spec["ge"]:
        bound = spec["ge"]
        msg = f"Input should be greater than or equal to {bound}"
        return [_error([name], "greater_than_equal", msg, value, {"ge": bound})]
    if "le" in spec and value > spec["le"]:
        bound = spec["le"]
        msg = f"Input should be less than or equal to {bound}"
        return [_error([name], "less_than_equal", msg, value, {"le": bound})]
    return []


def _check_rules(app_id: str, body: dict[str, Any]) -> list[ErrorItem]:
    full = with_defaults(app_id, body)
    errors = []
    for rule in RULES.get(app_id, []):
        applies = all(full.get(k) == v for k, v in rule["when"].items())
        if applies and full.get(rule["field"]) not in rule["allowed"]:
            field = rule["field"]
            errors.append(_error([field], "value_error", rule["msg"], full.get(field)))
    return errors


def _error(
    loc: list[str], kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None
) -> ErrorItem:
    item: ErrorItem = {
        "loc": ["body", *loc],
        "msg": msg,
        "type": kind,
        "input": value,
        "url": f"{_DOCS}#{kind}",
    }
    if ctx:
        item["ctx"] = ctx
    return item


def download_error(field: str, url: Any) -> ErrorItem:
    """What fal answers when an image URL cannot be fetched."""
    msg = "Failed to download the file. Please check if the URL is accessible."
    shown = url if not isinstance(url, str) or len(url) < 120 else url[:117] + "..."
    return _error([field], "file_download_error", msg, shown)
