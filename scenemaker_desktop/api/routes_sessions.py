"""The API's session endpoints: generate, follow, cancel, resume, download, list, delete."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError as PayloadError
from starlette.responses import FileResponse, StreamingResponse

from scenemaker_desktop.api.app import ApiContext, Context, describe_errors
from scenemaker_desktop.api.schemas import (
    PARAMS_FIELD,
    ErrorResponse,
    GenerationStatus,
    Message,
    SessionList,
    VideoGenerationRequest,
    VideoGenerationResponse,
)
from scenemaker_desktop.api.status import generation_status, session_summary
from scenemaker_desktop.api.uploads import uploaded_image
from scenemaker_desktop.engine.catalog.seed_request import SeedTranslation, translate_seed_request
from scenemaker_desktop.engine.events import RunnerEvent, SessionFinishedEvent
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session, SessionStatus
from scenemaker_desktop.engine.story.plan import wishes_of
from scenemaker_desktop.engine.worker_protocol import encode

router = APIRouter()
KEEPALIVE_S = 15.0
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 404, 409)
}
VIDEO: dict[int | str, dict[str, Any]] = {
    200: {"content": {"video/mp4": {}}, "description": "The video (Range requests welcome)."},
    **ERRORS,
}


def parse_request(request_data: str) -> SeedTranslation:
    """The form's ``request_data`` as a validated request, or a 400 naming what is wrong."""
    try:
        data = json.loads(request_data)
    except ValueError as exc:
        raise HTTPException(400, f"request_data is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise HTTPException(400, "request_data must be one JSON object")
    try:
        payload = VideoGenerationRequest.model_validate(data)
    except PayloadError as exc:
        raise HTTPException(400, describe_errors(exc.errors())) from None
    sent = payload.model_dump(exclude_unset=True, exclude={PARAMS_FIELD})
    return translate_seed_request(sent, getattr(payload, PARAMS_FIELD) or {})


@router.post(
    "/generate-video",
    response_model=VideoGenerationResponse,
    responses=ERRORS,
    summary="Start a generation (it runs in the background; poll or follow its events)",
)
def generate_video(
    ctx: Context,
    file: Annotated[UploadFile, File(description="The still image the video starts from.")],
    request_data: Annotated[
        str,
        Form(
            description="A VideoGenerationRequest as a JSON string "
            "(its schema: #/components/schemas/VideoGenerationRequest)."
        ),
    ],
) -> VideoGenerationResponse:
    translation = parse_request(request_data)
    ctx.engine.ensure_runnable(translation.request)
    with uploaded_image(file) as image:
        session_id = ctx.engine.create_in_worker(image, translation.request, wishes_of(translation))
    if translation.unused:
        ctx.engine.add_notices(session_id, translation.unused)
    ctx.jobs.submit(session_id)
    return VideoGenerationResponse(
        session_id=session_id, status="started", message="Video generation started successfully"
    )


@router.get(
    "/generation-status/{session_id}",
    response_model=GenerationStatus,
    responses=ERRORS,
    summary="How a generation is going",
)
async def generation_status_route(ctx: Context, session_id: str) -> GenerationStatus:
    # Clients poll this many times a second while renders run. On the event loop (one small
    # file read) it answers in about a millisecond; on the thread pool every call waited for
    # GIL hand-offs between threads, up to 5 ms each, and p99 went past 200 ms under load.
    session = ctx.engine.load_session(session_id)
    return generation_status(ctx.engine, session, ctx.jobs.live(session_id))


@router.post(
    "/cancel-generation/{session_id}",
    response_model=Message,
    responses=ERRORS,
    summary="Cancel a queued or running generation (its fal request is cancelled too)",
)
def cancel_generation(ctx: Context, session_id: str) -> Message:
    session = ctx.engine.load_session(session_id)
    if ctx.jobs.cancel(session_id):
        return Message(message="Generation cancellation requested")
    _refuse_if_elsewhere(ctx, session_id)
    raise HTTPException(
        400, f"session {session_id} is not queued or running (it is {session.status.value})"
    )


@router.post(
    "/resume-generation/{session_id}",
    response_model=VideoGenerationResponse,
    responses=ERRORS,
    summary="Continue an interrupted, cancelled or failed generation from its first unfinished "
    "chain (saved fal requests are polled again, never paid for twice)",
)
def resume_generation(ctx: Context, session_id: str) -> VideoGenerationResponse:
    session = ctx.engine.load_session(session_id)
    if ctx.jobs.holds(session_id):
        raise HTTPException(400, f"session {session_id} is already queued or running")
    _refuse_if_elsewhere(ctx, session_id)
    if not session.status.resumable:
        raise HTTPException(
            400, f"session {session_id} is {session.status.value}; nothing to resume"
        )
    ctx.jobs.submit(session_id)
    chain = next((c.index + 1 for c in session.chains if c.status is not ChainStatus.COMPLETED), 1)
    return VideoGenerationResponse(
        session_id=session_id, status="started", message=f"Resuming from chain {chain}"
    )


def _refuse_if_elsewhere(ctx: ApiContext, session_id: str) -> None:
    if ctx.engine.session_locked(session_id):
        raise HTTPException(409, f"session {session_id} is running in another SceneMaker process")


@router.get(
    "/generation-events/{session_id}",
    responses={200: {"content": {"text/event-stream": {}}}, **ERRORS},
    summary="Server-Sent Events: the run's progress as it happens, ending with how it ended",
)
async def generation_events(ctx: Context, session_id: str) -> StreamingResponse:
    session = await run_in_threadpool(ctx.engine.load_session, session_id)
    loop, queue = asyncio.get_running_loop(), asyncio.Queue[RunnerEvent | None]()

    def push(event: RunnerEvent | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, event)

    following = ctx.jobs.subscribe(session_id, push)
    first = generation_status(ctx.engine, session, ctx.jobs.live(session_id))
    stream = _events(ctx, session_id, first, queue if following else None, push)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def _events(
    ctx: ApiContext,
    session_id: str,
    first: GenerationStatus,
    queue: asyncio.Queue[RunnerEvent | None] | None,
    push: Any,
) -> AsyncIterator[str]:
    try:
        yield _sse("status", first.model_dump_json())
        while queue is not None:
            try:
                event = await asyncio.wait_for(queue.get(), KEEPALIVE_S)
            except asyncio.TimeoutError:  # not the builtin before Python 3.11
                yield ": keep-alive\n\n"
                continue
            if event is None:
                break
            yield _sse_event(event)
            if isinstance(event, SessionFinishedEvent):
                return
        session = await run_in_threadpool(ctx.engine.load_session, session_id)
        yield _sse_event(_ended(ctx, session))
    finally:
        ctx.jobs.unsubscribe(session_id, push)


def _ended(ctx: ApiContext, session: Session) -> SessionFinishedEvent:
    final = ctx.engine.path_of(session, session.final_video)
    return SessionFinishedEvent(session.id, session.status, final, session.error, session.cost_usd)


def _sse_event(event: RunnerEvent) -> str:
    line = encode(event)
    return _sse(json.loads(line)["type"], line)


def _sse(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


def _inside(ctx: ApiContext, session: Session, relative: str | None) -> Path:
    """A file named in session.json, only when it exists inside the session's folder."""
    path = ctx.engine.path_of(session, relative)
    folder = ctx.engine.session_folder(session.id).resolve()
    if path is None or not path.resolve().is_relative_to(folder) or not path.is_file():
        raise HTTPException(404, "the video file is not there")
    return path


@router.head("/download-video/{session_id}", response_class=FileResponse, responses=VIDEO)
@router.get(
    "/download-video/{session_id}",
    response_class=FileResponse,
    responses=VIDEO,
    summary="The final video (once completed)",
)
def download_video(ctx: Context, session_id: str) -> FileResponse:
    session = ctx.engine.load_session(session_id)
    if session.status is not SessionStatus.COMPLETED:
        raise HTTPException(
            400, f"Generation not completed (the session is {session.status.value})"
        )
    path = _inside(ctx, session, session.final_video)
    return FileResponse(path, media_type="video/mp4", filename=f"generated_story_{session_id}.mp4")


@router.head(
    "/download-chain/{session_id}/{chain_index}", response_class=FileResponse, responses=VIDEO
)
@router.get(
    "/download-chain/{session_id}/{chain_index}",
    response_class=FileResponse,
    responses=VIDEO,
    summary="One chain's clip, counted from 0 (once that chain is done)",
)
def download_chain(ctx: Context, session_id: str, chain_index: int) -> FileResponse:
    session = ctx.engine.load_session(session_id)
    chains = session.chains
    if (
        not 0 <= chain_index < len(chains)
        or chains[chain_index].status is not ChainStatus.COMPLETED
    ):
        raise HTTPException(
            404, f"Chain not found: {chain_index} (0 to {len(chains) - 1}, once done)"
        )
    path = _inside(ctx, session, chains[chain_index].video)
    name = f"chain_{chain_index + 1}_{session_id}.mp4"
    return FileResponse(path, media_type="video/mp4", filename=name)


@router.get("/sessions", response_model=SessionList, summary="Every session, whoever started it")
def list_sessions(ctx: Context) -> SessionList:
    listings = ctx.engine.list_sessions()
    return SessionList(
        sessions=[
            session_summary(ctx.engine, listing, ctx.jobs.live(listing.id)) for listing in listings
        ]
    )


@router.delete(
    "/session/{session_id}",
    response_model=Message,
    responses=ERRORS,
    summary="Delete a session and its folder (not while it runs)",
)
def delete_session(ctx: Context, session_id: str) -> Message:
    if ctx.jobs.holds(session_id):
        raise HTTPException(409, f"session {session_id} is queued or running here; cancel it first")
    ctx.engine.delete_session(session_id)
    return Message(message="Session deleted successfully")
