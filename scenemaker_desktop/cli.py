"""``scenemaker``: the headless front of the engine.

The commands and their --json shapes are a contract (docs/ARCHITECTURE.md,
"Contracts kept"). Every command prints one clear line on error (traceback
only with --debug) and, with --json, ends stdout with one JSON object.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from scenemaker_desktop import __version__
from scenemaker_desktop.cli_output import EXIT_CANCELLED, EXIT_FAILED, EXIT_OK, print_json
from scenemaker_desktop.cli_story import add_story_options
from scenemaker_desktop.engine.errors import ImageTooLargeError, SceneMakerError
from scenemaker_desktop.frozen import WORKER_COMMAND, prepare_frozen_environment


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scenemaker",
        description="Turn one still image into a longer, coherent video.",
    )
    parser.add_argument("--version", action="version", version=f"SceneMaker {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the desktop app (the default)")
    gui.add_argument("image", nargs="?", help="an image to load on start")

    gen = commands.add_parser("generate", help="run one session to the end")
    gen.add_argument("image", nargs="?", help="the still image (not with --from)")
    _add_session_options(gen)
    gen.add_argument("--request", metavar="FILE.json", help="a VideoGenerationRequest JSON file")
    add_story_options(gen, with_plan=True)
    _add_downscale(gen)
    _add_json(gen)

    plan = commands.add_parser("plan", help="plan the story (a beat per chain) without generating")
    plan.add_argument("image")
    _add_session_options(plan)
    add_story_options(plan, with_plan=False)
    _add_downscale(plan)
    _add_json(plan)

    resume = commands.add_parser("resume", help="continue an interrupted or failed session")
    resume.add_argument("session_id")
    resume.add_argument(
        "--from-chain",
        type=int,
        metavar="N",
        help="make chain N (1-based) and every chain after it again; "
        "the clips they replace move to the session's replaced/ folder",
    )
    _add_json(resume)

    analyze = commands.add_parser("analyze", help="describe an image (the five analysis fields)")
    analyze.add_argument("image")
    _add_downscale(analyze)
    _add_json(analyze)

    prompt = commands.add_parser("prompt", help="write the per-chain prompts for an action")
    prompt.add_argument("--action", required=True)
    prompt.add_argument("--image", help="analyze this image first")
    prompt.add_argument("--chains", type=int, help="how many chains (default: the catalog's)")
    for field in ("theme", "background", "main-subject", "tone-and-color"):
        prompt.add_argument(f"--{field}", default="")
    _add_json(prompt)

    sessions = commands.add_parser("sessions", help="list sessions")
    _add_json(sessions)
    show = commands.add_parser("show", help="show one session")
    show.add_argument("session_id")
    _add_json(show)
    delete = commands.add_parser("delete", help="delete a session folder (no prompt)")
    delete.add_argument("session_id")
    models = commands.add_parser("models", help="list models, their parameters and prices")
    _add_json(models)
    health = commands.add_parser("health", help="check keys, ffmpeg and storage")
    _add_json(health)
    _add_serve(commands)
    return parser


def _add_session_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--action", help="what happens, e.g. 'she turns and walks into the fog'")
    parser.add_argument("--model", help="local, wan, pixverse, luma or kling")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a model parameter (see `scenemaker models`)",
    )


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve", help="serve the REST API of the old web app (see docs/API.md)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (8000; 0 picks a free one)")
    serve.add_argument("--jobs", type=int, default=2, help="sessions rendering at once (2)")
    serve.add_argument(
        "--token", help="require Authorization: Bearer TOKEN (default: $SCENEMAKER_API_TOKEN)"
    )
    serve.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin allowed to call the API besides localhost ones (repeatable)",
    )
    serve.add_argument(
        "--no-resume",
        action="store_true",
        help="do not resume the sessions a previous run of the server left unfinished",
    )
    serve.add_argument(
        "--max-upload-mb", type=int, default=50, help="largest image upload in MB (50)"
    )


def _add_downscale(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--downscale",
        action="store_true",
        help="if the image has too many pixels, use a smaller copy of it",
    )


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="end with one JSON object on stdout")


def main(argv: Sequence[str] | None = None) -> int:
    prepare_frozen_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [WORKER_COMMAND]:  # not a user command: the app starting its worker
        from scenemaker_desktop.engine import run_worker

        return run_worker.main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    command = args.command or "gui"
    as_json = bool(getattr(args, "json", False))
    try:
        return _dispatch(command, args)
    except SceneMakerError as exc:
        return _fail(_message_of(exc, args), "error", as_json)
    except KeyboardInterrupt:
        _fail("cancelled", "cancelled", as_json, prefix="")
        return EXIT_CANCELLED
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a message.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if args.debug:
            raise
        message = f"internal error: {type(exc).__name__}: {exc}"
        return _fail(f"{message} (run with --debug for details)", "error", as_json, prefix="")


def _message_of(exc: SceneMakerError, args: argparse.Namespace) -> str:
    # The engine's message is shared by every front; only here is --downscale the way out.
    # False (not None): the command takes the flag and it was not given.
    flag_not_given = getattr(args, "downscale", None) is False
    if isinstance(exc, ImageTooLargeError) and exc.downscalable and flag_not_given:
        return f"{exc} (pass --downscale to use a smaller copy)"
    return str(exc)


def _fail(message: str, status: str, as_json: bool, prefix: str = "error: ") -> int:
    """One line on stderr; with --json, stdout still ends with one JSON object."""
    print(f"{prefix}{message}", file=sys.stderr)
    if as_json:
        print_json({"status": status, "error": message})
    return EXIT_FAILED


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _dispatch(command: str, args: argparse.Namespace) -> int:
    if command == "gui":
        from scenemaker_desktop.gui_launcher import launch_gui

        return launch_gui(getattr(args, "image", None))
    from scenemaker_desktop import cli_commands

    handler = getattr(cli_commands, f"cmd_{command}")
    return int(handler(args))


if __name__ == "__main__":
    sys.exit(main())
