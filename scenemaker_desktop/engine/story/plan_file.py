"""The plan as a file: what ``scenemaker plan --json`` prints and ``generate --plan`` reads.

Besides the plan itself the file names the action and the model it was planned
for, and says what it would cost and how long it would run (for reading only).
Reading is strict: a field we do not know is refused by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenemaker_desktop.engine.catalog import GenerationRequest, estimate_cost, film_seconds
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.story.plan import StoryPlan

_CONTEXT_FIELDS = ("action", "model")
_READ_ONLY_FIELDS = ("estimated_seconds", "estimated_cost_usd")
MAX_PLAN_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class PlanFile:
    plan: StoryPlan
    action: str = ""
    model: str = ""


def plan_file_json(plan: StoryPlan, request: GenerationRequest) -> dict[str, Any]:
    """The plan with what it was made for: one JSON object, the ``plan --json`` contract."""
    return {
        **plan.to_json(),
        "action": request.action,
        "model": request.model,
        "estimated_seconds": round(film_seconds(request), 1),
        "estimated_cost_usd": estimate_cost(request).total_usd,
    }


def read_plan_file(path: Path) -> PlanFile:
    """A plan file checked strictly; ValidationError names the file and what is wrong."""
    name = Path(path).name
    try:
        if Path(path).stat().st_size > MAX_PLAN_FILE_BYTES:
            raise ValidationError(f"plan file {name} is too large (at most 1 MB)")
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValidationError(f"plan file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        reason = exc if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise ValidationError(f"plan file {name} is not valid JSON: {reason}") from None
    if not isinstance(data, dict):
        raise ValidationError(f"plan file {name} must hold one JSON object")
    context = {key: data.pop(key) for key in (*_CONTEXT_FIELDS, *_READ_ONLY_FIELDS) if key in data}
    for key in _CONTEXT_FIELDS:
        if not isinstance(context.get(key, ""), str):
            raise ValidationError(f"plan file {name}: {key} must be text")
    known = (*_CONTEXT_FIELDS, *_READ_ONLY_FIELDS)
    plan = StoryPlan.from_json(data, f"plan file {name}", extra=known)
    return PlanFile(plan, context.get("action", ""), context.get("model", ""))
