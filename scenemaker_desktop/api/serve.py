"""`scenemaker serve`: the API on uvicorn, safe by default, stopped cleanly by a signal.

The socket is bound here (so ``--port 0`` works and the line printed at start
names the real port). SIGINT and SIGTERM interrupt every run at once (workers
save their sessions as interrupted, cloud requests stay alive), then uvicorn
closes its connections and the process exits 0; the next start resumes them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
import socket
import sys
from types import FrameType

import uvicorn

from scenemaker_desktop.api.app import ServeOptions, create_app
from scenemaker_desktop.api.jobs import JobManager
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.facade import Engine

TOKEN_ENV = "SCENEMAKER_API_TOKEN"
SHUTDOWN_GRACE_S = 5
BACKLOG = 128


class ServeError(SceneMakerError):
    """The server cannot start as asked (its message says why)."""


def token_from(given: str | None) -> str | None:
    token = (given or os.environ.get(TOKEN_ENV, "")).strip()
    return token or None


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    """uvicorn's server, whose signal handler also interrupts the runs straight away."""

    def __init__(self, config: uvicorn.Config, jobs: JobManager) -> None:
        super().__init__(config)
        self.jobs = jobs

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not uvicorn's own: it raises the signal again after shutting down, which would
        # turn a clean stop into a death by SIGTERM.
        self.jobs.begin_shutdown()
        if self.should_exit and sig == signal.SIGINT:
            self.force_exit = True
        self.should_exit = True


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio turns Nagle off (TCP_NODELAY) only on connections of
    # a socket that says so, and with Nagle on every keep-alive answer waited 40 ms for the
    # client's delayed ACK. socket.create_server leaves the protocol 0.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def serve(options: ServeOptions) -> int:
    if not is_loopback(options.host) and options.token is None:
        raise ServeError(
            f"refusing to serve on {options.host} without a token: anyone who can reach it "
            f"could spend your fal credit. Set --token or {TOKEN_ENV}"
        )
    engine = Engine.from_environment()
    jobs = JobManager(engine, options.jobs)
    app = create_app(engine, options, jobs)
    sock = _bind(options.host, options.port)
    port = sock.getsockname()[1]
    logging.getLogger("scenemaker_desktop.api").setLevel(logging.INFO)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )
    shown = f"[{options.host}]" if ":" in options.host else options.host
    print(
        f"SceneMaker API on http://{shown}:{port} (docs at /docs); sessions in "
        f"{engine.sessions_dir}; {jobs.slots} at once"
        + ("; token required" if options.token else ""),
        file=sys.stderr,
        flush=True,
    )
    _Server(config, jobs).run(sockets=[sock])
    return 0
