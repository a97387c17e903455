"""The strict-mode rules OpenAI enforces on structured-output schemas.

With ``strict: true`` OpenAI answers 400 unless the root is an object and every
object lists all its properties in ``required`` and sets
``additionalProperties: false``. A hand-written schema in the app that breaks
these would work against a lenient fake and fail in production, so the fake
checks them too. Messages follow OpenAI's wording.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]


def strict_schema_problem(schema: Schema) -> str | None:
    """The first strict-mode violation in ``schema``, or None when it is acceptable."""
    if schema.get("type") != "object":
        return "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{}\"'.".format(
            schema.get("type")
        )
    return _walk(schema, ())


def _walk(node: Any, context: tuple[str, ...]) -> str | None:
    if not isinstance(node, dict):
        return None
    problem = _object_problem(node, context) if _is_object(node) else None
    if problem:
        return problem
    for key, child, where in _children(node):
        problem = _walk(child, (*context, key, where) if where else (*context, key))
        if problem:
            return problem
    return None


def _is_object(node: Schema) -> bool:
    kind = node.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind)


def _object_problem(node: Schema, context: tuple[str, ...]) -> str | None:
    if node.get("additionalProperties") is not False:
        return (
            f"In context={context}, 'additionalProperties' is required to be supplied "
            "and to be false."
        )
    props = list(node.get("properties", {}))
    required = node.get("required", [])
    missing = [p for p in props if p not in required]
    if missing:
        return (
            f"In context={context}, 'required' is required to be supplied and to be an "
            f"array including every key in properties. Missing '{missing[0]}'."
        )
    return None


def _children(node: Schema) -> list[tuple[str, Any, str]]:
    found: list[tuple[str, Any, str]] = []
    for name, sub in (node.get("properties") or {}).items():
        found.append(("properties", sub, name))
    for key in ("$defs", "definitions"):
        for name, sub in (node.get(key) or {}).items():
            found.append((key, sub, name))
    if isinstance(node.get("items"), dict):
        found.append(("items", node["items"], ""))
    for key in ("anyOf", "allOf", "oneOf"):
        for i, sub in enumerate(node.get(key) or []):
            found.append((key, sub, str(i)))
    return found
