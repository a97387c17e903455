"""The CLI's commands, each a function of parsed arguments returning an exit code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from scenemaker_desktop.cli import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, print_json
from scenemaker_desktop.cli_progress import ProgressPrinter, cancel_on_signals
from scenemaker_desktop.cli_report import (
    health_report,
    models_report,
    print_session,
    print_sessions,
    session_result,
)
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import (
    GenerationRequest,
    build_request,
    estimate_cost,
    load_seed_request,
    parse_set_options,
)
from scenemaker_desktop.engine.images import inspect_image
from scenemaker_desktop.engine.sessions.model import SessionStatus
from scenemaker_desktop.engine.studio import Studio
from scenemaker_desktop.engine.vision.base import ImageAnalysis, PromptContext


def cmd_generate(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    image = Path(args.image)
    inspect_image(image)
    request = _request_from_args(studio, args)
    studio.store.ensure_writable()
    estimate = estimate_cost(request)
    session = studio.new_session(image, request)
    print(
        f"session {session.id}: {request.chains} × {request.spec.display_name}"
        f" (estimated ${estimate.total_usd:.2f})",
        file=sys.stderr,
    )
    return _run(studio, session.id, args.json)


def _request_from_args(studio: Studio, args: argparse.Namespace) -> GenerationRequest:
    overrides: dict[str, Any] = parse_set_options(args.set)
    if args.request:
        base = load_seed_request(Path(args.request))
        model = args.model or base.model
        params = dict(base.params) if model == base.model else {}
        params.update(overrides)
        return build_request(
            model,
            args.action or base.action,
            args.chains if args.chains is not None else base.chains,
            {"seam": base.seam, "crossfade": base.crossfade, **params},
            analysis=base.analysis,
        )
    chains = args.chains if args.chains is not None else overrides.pop("chains", 3)
    return build_request(args.model or studio.default_model(), args.action or "", chains, overrides)


def cmd_resume(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    session = studio.store.load(args.session_id)
    if session.status is SessionStatus.COMPLETED:
        print(f"session {session.id} is already completed", file=sys.stderr)
    return _run(studio, session.id, args.json)


def _run(studio: Studio, session_id: str, as_json: bool) -> int:
    cancel = CancelToken()
    runner = studio.runner(ProgressPrinter(), cancel)
    with cancel_on_signals(cancel):
        session = runner.run(session_id)
    result = session_result(studio.store, session)
    if as_json:
        print_json(result)
    elif session.final_video:
        print(result["final_video"])
    if session.status is SessionStatus.COMPLETED:
        return EXIT_OK
    if session.error:
        print(f"error: {session.error}", file=sys.stderr)
    return EXIT_CANCELLED if session.status is SessionStatus.CANCELLED else EXIT_FAILED


def cmd_analyze(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    image = Path(args.image)
    inspect_image(image)
    analyser = studio.analyser()
    analysis = analyser.analyse(image)
    notice = getattr(analyser, "notice", "")
    if notice:
        print(f"note: {notice}", file=sys.stderr)
    if args.json:
        print_json({**analysis.to_dict(), "source": analyser.name})
    else:
        for key, value in analysis.to_dict().items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_prompt(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    typed = {
        "theme": args.theme,
        "background": args.background,
        "main_subject": args.main_subject,
        "tone_and_color": args.tone_and_color,
    }
    request = build_request("local", args.action, args.chains, analysis=typed)
    analysis = _analysis_for_prompts(studio, args.image, request)
    writer = studio.prompt_writer()
    prompts: list[str] = []
    for index in range(request.chains):
        context = PromptContext(
            analysis, request.action, index, request.chains, None, tuple(prompts)
        )
        prompts.append(writer.write(context).prompt)
    if args.json:
        print_json({"analysis": analysis.to_dict(), "prompts": prompts, "writer": writer.name})
    else:
        for index, text in enumerate(prompts, start=1):
            print(f"chain {index}: {text}\n")
    return EXIT_OK


def _analysis_for_prompts(
    studio: Studio, image: str | None, request: GenerationRequest
) -> ImageAnalysis:
    found: dict[str, str] = {}
    if image:
        inspect_image(Path(image))
        found = studio.analyser().analyse(Path(image), request.action).to_dict()
    return ImageAnalysis.from_dict(
        {**found, **request.analysis, "action_direction": request.action}
    )


def cmd_sessions(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    print_sessions(studio.store, studio.store.list(), args.json)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    print_session(studio.store, studio.store.load(args.session_id), args.json)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    studio.store.delete(args.session_id)
    print(f"deleted session {args.session_id}")
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    models_report(args.json)
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    studio = Studio.from_environment()
    healthy = health_report(studio, args.json)
    return EXIT_OK if healthy else EXIT_FAILED
