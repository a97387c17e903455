"""The CLI's storyboard: ``plan``, and what ``generate`` takes to follow a plan.

How many chains a session gets is said one way only: ``--chains N``, ``--chains
auto`` (the planner chooses), ``--duration S`` (from the model's clip length) or
the beats of ``--plan FILE.json``. Two that disagree are refused before anything
is made or charged.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scenemaker_desktop.cli_output import EXIT_OK, print_json
from scenemaker_desktop.engine.catalog import (
    GenerationRequest,
    build_request,
    parse_set_options,
    validate_setup,
)
from scenemaker_desktop.engine.catalog.session_params import CHAINS_PARAM
from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.story.length import chains_for_duration
from scenemaker_desktop.engine.story.plan import MAX_VISION_CHARS, StoryPlan, check_plan
from scenemaker_desktop.engine.story.plan_file import PlanFile, plan_file_json, read_plan_file

AUTO = "auto"


def chains_arg(text: str) -> int | str:
    """argparse type of ``--chains``: a whole number or ``auto``."""
    if text.strip().lower() == AUTO:
        return AUTO
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"takes a number of chains or 'auto', not {text!r}"
        ) from None


def add_story_options(parser: argparse.ArgumentParser, with_plan: bool) -> None:
    parser.add_argument(
        "--chains", type=chains_arg, help="how many clips to chain (1-10), or 'auto'"
    )
    parser.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="target length in seconds: the chain count follows from the model's clip length",
    )
    parser.add_argument("--scene-vision", metavar="TEXT", help="the whole story, in your words")
    if with_plan:
        parser.add_argument("--plan", metavar="FILE.json", help="follow this (edited) plan")
        parser.add_argument(
            "--from",
            dest="from_session",
            metavar="SESSION_ID",
            help="render that draft's plan on the --model given (a cloud model)",
        )


@dataclass(frozen=True)
class StoryInputs:
    """A request and the plan (or the wishes for one) that ``generate`` or ``plan`` follow."""

    request: GenerationRequest
    wishes: StoryPlan | None


def story_inputs(
    engine: Engine, args: argparse.Namespace, base: GenerationRequest | None = None
) -> StoryInputs:
    """The request and plan the flags ask for; ``base`` is a ``--request`` file's request."""
    given = _plan_file(args)
    model = args.model or (given.model if given else "") or (base.model if base else "")
    model = model or engine.default_model()
    overrides: dict[str, Any] = parse_set_options(getattr(args, "set", []))
    if base is not None:
        params = dict(base.params) if model == base.model else {}
        overrides = {**base.session_values(), **params, **overrides}
    action = args.action or (given.action if given else "") or (base.action if base else "")
    analysis = base.analysis if base else {}
    chains, reason = _chain_count(args, model, overrides, given)
    if chains is not None:  # what the flags or the plan say wins over a --request file
        overrides[CHAINS_PARAM.key] = chains
    auto = args.chains == AUTO
    request = build_request(model, action, None, overrides, analysis)
    wishes = given.plan if given else StoryPlan(auto_chains=auto, chains_reason=reason)
    if args.scene_vision is not None:
        wishes = replace(wishes, scene_vision=_vision(args.scene_vision))
    if wishes.planned:
        check_plan(wishes, request.chains)
    return StoryInputs(request, wishes)


def _chain_count(
    args: argparse.Namespace, model: str, overrides: dict[str, Any], given: PlanFile | None
) -> tuple[int | None, str]:
    asked = [
        flag
        for flag, value in (("--chains", args.chains), ("--duration", args.duration))
        if value is not None
    ]
    if len(asked) > 1:
        raise ValidationError("--chains and --duration both set the chain count; give one")
    from_plan = given.plan.chains if given else None
    if args.duration is not None:
        choice = chains_for_duration(validate_setup(model, overrides), args.duration)
        chains, reason = choice.chains, choice.reason
    elif args.chains == AUTO:
        if given is not None:
            raise ValidationError("--chains auto plans the count; a plan file has its own")
        return None, ""
    else:
        chains, reason = args.chains, ""
    if given is not None and chains is not None and chains != from_plan:
        check_plan(given.plan, chains)  # says what disagrees, in one line
    return (chains if chains is not None else from_plan), reason


def _plan_file(args: argparse.Namespace) -> PlanFile | None:
    path = getattr(args, "plan", None)
    return read_plan_file(Path(path)) if path else None


def _vision(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) > MAX_VISION_CHARS:
        raise ValidationError(
            f"--scene-vision is too long ({len(cleaned):,} characters; "
            f"at most {MAX_VISION_CHARS:,})"
        )
    return cleaned


def plan_command(engine: Engine, args: argparse.Namespace, image: Path) -> int:
    inputs = story_inputs(engine, args)
    planned = engine.plan_story(inputs.request, image, wishes=inputs.wishes)
    if planned.notice:
        print(f"note: {planned.notice}", file=sys.stderr)
    plan = planned.value
    request = replace(inputs.request, chains=plan.chains)
    if args.json:
        print_json(plan_file_json(plan, request))
        return EXIT_OK
    print(f"Scene vision: {plan.scene_vision}\n")
    print(f"{plan.chains} chains × {request.spec.display_name} — {plan.chains_reason}")
    for beat in plan.beats:
        print(f"  {beat.index}. {'[locked] ' if beat.locked else ''}{beat.text}")
    if plan.lock_block:
        print(f"\n{plan.lock_block}")
    print("\nSave it with --json, edit the beats, then: scenemaker generate IMAGE --plan FILE.json")
    return EXIT_OK


def check_render_flags(args: argparse.Namespace) -> None:
    """``generate --from`` takes the draft's image, words and plan; refuse flags that fight it."""
    clashing = [
        flag
        for flag, given in (
            ("IMAGE", args.image),
            ("--plan", args.plan),
            ("--request", args.request),
            ("--duration", args.duration is not None),
            ("--chains auto", args.chains == AUTO),
            ("--scene-vision", args.scene_vision is not None),
            ("--action", args.action),
        )
        if given
    ]
    if clashing:
        raise ValidationError(
            f"--from renders the draft's own image, words and plan; leave out {', '.join(clashing)}"
        )
    if not args.model:
        raise ValidationError("--from needs --model: the cloud model to render the draft on")
