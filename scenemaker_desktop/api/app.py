"""The FastAPI application: options, shared state, error shapes, middleware and lifespan."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from scenemaker_desktop import __version__
from scenemaker_desktop.api.guard import Guard, GuardRules
from scenemaker_desktop.api.jobs import JobManager
from scenemaker_desktop.engine.errors import (
    SceneMakerError,
    SessionBusyError,
    SessionDamagedError,
    SessionNotFoundError,
    StorageError,
)
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.health import Health

log = logging.getLogger(__name__)
MB = 1024 * 1024
HEALTH_TTL_S = 5.0
LOCAL_ORIGINS = r"^https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$"


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    jobs: int = 2
    token: str | None = None
    cors_origins: tuple[str, ...] = ()
    resume: bool = True
    max_upload_mb: int = 50


@dataclass
class ApiContext:
    """What every route works with; one per application."""

    engine: Engine
    jobs: JobManager
    options: ServeOptions
    _health: tuple[float, Health] | None = field(default=None, repr=False)
    _health_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def health(self) -> Health:
        """The engine's health, at most HEALTH_TTL_S old (it runs ffmpeg to tell)."""
        with self._health_lock:
            if self._health is None or time.monotonic() - self._health[0] > HEALTH_TTL_S:
                self._health = (time.monotonic(), self.engine.health())
            return self._health[1]


async def context(request: Request) -> ApiContext:
    # async: FastAPI runs a plain def dependency on its thread pool, one more GIL hand-off
    # per request (see generation_status_route).
    return request.app.state.context


Context = Annotated[ApiContext, Depends(context)]


def create_app(engine: Engine, options: ServeOptions, jobs: JobManager | None = None) -> FastAPI:
    from scenemaker_desktop.api import routes_info, routes_sessions

    ctx = ApiContext(engine, jobs or JobManager(engine, options.jobs), options)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for line in ctx.engine.tidy():
            log.info("tidied: %s", line)
        if options.resume:
            resumed = ctx.jobs.resume_accepted()
            if resumed:
                log.info("resuming %d session(s): %s", len(resumed), ", ".join(resumed))
        yield
        ctx.jobs.shutdown()

    app = FastAPI(
        title="SceneMaker API",
        version=__version__,
        description="The AI Scene Maker API, served by SceneMaker: one still image becomes a "
        "longer video made of chained image-to-video clips. Sessions persist and resume.",
        lifespan=lifespan,
    )
    app.state.context = ctx
    app.include_router(routes_info.router)
    app.include_router(routes_sessions.router)
    _add_error_handlers(app)
    _document_request_model(app)
    rules = GuardRules(options.host, options.token, options.max_upload_mb * MB)
    app.add_middleware(Guard, rules=rules)
    # Outermost, so preflights are answered and refusals still carry CORS headers.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(options.cors_origins),
        allow_origin_regex=LOCAL_ORIGINS,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    return app


def _document_request_model(app: FastAPI) -> None:
    """Put VideoGenerationRequest into the OpenAPI components: it travels as a JSON string
    in a form field (the old API's shape), so FastAPI would not list it by itself."""
    from fastapi.openapi.utils import get_openapi

    from scenemaker_desktop.api.schemas import VideoGenerationRequest

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema["components"]["schemas"]["VideoGenerationRequest"] = (
                VideoGenerationRequest.model_json_schema()
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_STATUS_OF = (
    (SessionNotFoundError, 404),
    (SessionBusyError, 409),
    (SessionDamagedError, 409),
    (StorageError, 500),
)


def error_response(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail, "status_code": status}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)  # Starlette's: routing's 404 and 405 too
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = error_response(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, describe_errors(exc.errors()))

    @app.exception_handler(SceneMakerError)
    async def engine_error(request: Request, exc: SceneMakerError) -> JSONResponse:
        status = next((code for kind, code in _STATUS_OF if isinstance(exc, kind)), 400)
        return error_response(status, str(exc))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}: {exc}")


def describe_errors(errors: list | tuple) -> str:
    """pydantic's errors as one line a person can act on, naming each field."""
    lines = []
    for error in errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body",))
        if error.get("type") == "extra_forbidden":
            lines.append(f"unknown field '{where.rpartition('.')[2]}'")
        else:
            lines.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
    return "; ".join(lines) or "invalid request"
