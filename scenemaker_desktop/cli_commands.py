"""The CLI's commands, each a function of parsed arguments returning an exit code."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scenemaker_desktop.cli_output import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, print_json
from scenemaker_desktop.cli_progress import ProgressPrinter, cancel_on_signals
from scenemaker_desktop.cli_report import (
    health_report,
    models_report,
    print_session,
    print_sessions,
    session_result,
)
from scenemaker_desktop.cli_story import check_render_flags, plan_command, story_inputs
from scenemaker_desktop.engine.cancel import CancelToken
from scenemaker_desktop.engine.catalog import (
    GenerationRequest,
    build_request,
    load_seed_request,
    parse_set_options,
)
from scenemaker_desktop.engine.catalog.session_params import CHAINS_PARAM
from scenemaker_desktop.engine.errors import ImageTooLargeError, ValidationError
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.images import ImageInfo, downscale_image, inspect_image
from scenemaker_desktop.engine.sessions.model import SessionStatus

MAX_JOBS = 8
MAX_PORT = 65535


def cmd_generate(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    if args.from_session:
        check_render_flags(args)
        overrides = parse_set_options(args.set)
        if isinstance(args.chains, int):
            overrides[CHAINS_PARAM.key] = args.chains
        session = engine.render_draft(args.from_session, args.model, overrides)
        _say_started(session.id, session.request, engine)
        return _run(engine, session.id, args.json)
    if not args.image:
        raise ValidationError("generate needs an IMAGE (or --from SESSION_ID to render a draft)")
    with _usable_image(Path(args.image), args.downscale) as image:
        base = load_seed_request(Path(args.request)) if args.request else None
        inputs = story_inputs(engine, args, base)
        session = engine.create_session(image, inputs.request, inputs.wishes)
    _say_started(session.id, inputs.request, engine)
    return _run(engine, session.id, args.json)


def _say_started(session_id: str, request: GenerationRequest, engine: Engine) -> None:
    estimate = engine.estimate_cost(request)
    print(
        f"session {session_id}: {request.chains} × {request.spec.display_name}"
        f" (estimated ${estimate.total_usd:.2f})",
        file=sys.stderr,
    )


@contextmanager
def _usable_image(image: Path, downscale: bool) -> Iterator[Path]:
    """``image`` once checked or, with --downscale, a smaller copy of it if it is too large.

    The copy lives in a temporary folder for the ``with`` block: a session keeps its own
    normalised copy, an analysis only reads it.
    """
    megapixels = _megapixels_to_downscale(image, downscale)
    if megapixels is None:
        yield image
        return
    with tempfile.TemporaryDirectory(prefix="scenemaker-") as folder:
        copy = downscale_image(image, Path(folder))
        _say_downscaled(image, megapixels, inspect_image(copy))
        yield copy


def _megapixels_to_downscale(image: Path, downscale: bool) -> float | None:
    """None when ``image`` can be used as it is; its size when --downscale is to shrink it."""
    try:
        inspect_image(image)
    except ImageTooLargeError as exc:
        if downscale and exc.downscalable:
            return exc.megapixels
        raise
    return None


def _say_downscaled(image: Path, megapixels: float, copy: ImageInfo) -> None:
    copy_megapixels = copy.width * copy.height / 1_000_000
    print(
        f"downscaled {image.name} from {megapixels:.1f} MP"
        f" to {copy.width}×{copy.height} ({copy_megapixels:.1f} MP)",
        file=sys.stderr,
    )


def cmd_resume(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    if args.from_chain is not None:
        session = engine.regenerate_from(args.session_id, args.from_chain - 1)
        print(f"note: {session.notices[-1]}", file=sys.stderr)
    session = engine.load_session(args.session_id)
    if session.status is SessionStatus.COMPLETED:
        print(f"session {session.id} is already completed", file=sys.stderr)
    return _run(engine, session.id, args.json)


def _run(engine: Engine, session_id: str, as_json: bool) -> int:
    cancel = CancelToken()
    with cancel_on_signals(cancel):
        session = engine.run_session(session_id, ProgressPrinter(), cancel)
    result = session_result(engine, session)
    if as_json:
        print_json(result)
    elif session.final_video:
        print(result["final_video"])
    if session.status is SessionStatus.COMPLETED:
        return EXIT_OK
    if session.error:
        print(f"error: {session.error}", file=sys.stderr)
    return EXIT_CANCELLED if session.status is SessionStatus.CANCELLED else EXIT_FAILED


def cmd_plan(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    with _usable_image(Path(args.image), args.downscale) as image:
        return plan_command(engine, args, image)


def cmd_analyze(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    with _usable_image(Path(args.image), args.downscale) as image:
        analyzed = engine.analyze(image)
    if analyzed.notice:
        print(f"note: {analyzed.notice}", file=sys.stderr)
    if args.json:
        print_json({**analyzed.value.to_dict(), "source": analyzed.source})
    else:
        for key, value in analyzed.value.to_dict().items():
            print(f"{key}: {value}")
    return EXIT_OK


def cmd_prompt(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    typed = {
        "theme": args.theme,
        "background": args.background,
        "main_subject": args.main_subject,
        "tone_and_color": args.tone_and_color,
    }
    # Prompts do not depend on the model; the default one stands in for it.
    request = build_request(engine.default_model(), args.action, args.chains, analysis=typed)
    plan = engine.plan_prompts(request, Path(args.image) if args.image else None)
    for notice in plan.notices:
        print(f"note: {notice}", file=sys.stderr)
    if args.json:
        print_json(
            {
                "analysis": plan.analysis.to_dict(),
                "prompts": list(plan.prompts),
                "writer": plan.writer,
            }
        )
    else:
        for index, text in enumerate(plan.prompts, start=1):
            print(f"chain {index}: {text}\n")
    return EXIT_OK


def cmd_sessions(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    print_sessions(engine, engine.list_sessions(), args.json)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    engine = Engine.from_environment()
    print_session(engine, engine.load_session(args.session_id), args.json)
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    Engine.from_environment().delete_session(args.session_id)
    print(f"deleted session {args.session_id}")
    return EXIT_OK


def cmd_models(args: argparse.Namespace) -> int:
    models_report(args.json)
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    healthy = health_report(Engine.from_environment().health(), args.json)
    return EXIT_OK if healthy else EXIT_FAILED


def cmd_serve(args: argparse.Namespace) -> int:
    from scenemaker_desktop.api.app import ServeOptions
    from scenemaker_desktop.api.serve import serve, token_from

    if not 1 <= args.jobs <= MAX_JOBS:
        raise ValidationError(f"--jobs must be from 1 to {MAX_JOBS}")
    if not 0 <= args.port <= MAX_PORT:
        raise ValidationError(f"--port must be from 0 to {MAX_PORT}")
    if args.max_upload_mb < 1:
        raise ValidationError("--max-upload-mb must be at least 1")
    options = ServeOptions(
        host=args.host,
        port=args.port,
        jobs=args.jobs,
        token=token_from(args.token),
        cors_origins=tuple(args.cors_origin),
        resume=not args.no_resume,
        max_upload_mb=args.max_upload_mb,
    )
    return serve(options)
