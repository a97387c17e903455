"""How the CLI shows sessions, models and health: plain text or JSON."""

from __future__ import annotations

from typing import Any

from scenemaker_desktop import __version__
from scenemaker_desktop.cli_output import print_json
from scenemaker_desktop.engine.catalog.describe import describe_catalog
from scenemaker_desktop.engine.continuity.report import continuity_line, verdict_of
from scenemaker_desktop.engine.facade import Engine
from scenemaker_desktop.engine.health import Health
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionListing


def _absolute(engine: Engine, session: Session, relative: str | None) -> str | None:
    path = engine.path_of(session, relative)
    return str(path) if path is not None else None


def session_result(engine: Engine, session: Session) -> dict[str, Any]:
    """The --json object of generate/resume (a contract), with absolute paths."""
    return {
        "session_id": session.id,
        "status": session.status.value,
        "final_video": _absolute(engine, session, session.final_video),
        "chains": [
            {
                "index": chain.index,
                "status": chain.status.value,
                "video": _absolute(engine, session, chain.video),
                "prompt": chain.prompt,
            }
            for chain in session.chains
        ],
        "cost_usd": session.cost_usd,
        "error": session.error,
        "folder": str(engine.session_folder(session.id)),
        "draft_of": session.draft_of,
    }


def _summary(engine: Engine, listing: SessionListing) -> dict[str, Any]:
    session = listing.session
    if session is None:
        return {"id": listing.id, "status": "damaged", "error": listing.damaged_reason}
    return {
        "id": session.id,
        "status": session.status.value,
        "created_at": session.created_at,
        "model": session.model,
        "chains": len(session.chains),
        "completed_chains": session.completed_chains,
        "cost_usd": session.cost_usd,
        "action": session.request.action,
        "final_video": _absolute(engine, session, session.final_video),
        "error": session.error,
        "draft_of": session.draft_of,
    }


def print_sessions(engine: Engine, listings: list[SessionListing], as_json: bool) -> None:
    rows = [_summary(engine, listing) for listing in listings]
    if as_json:
        print_json({"sessions": rows})
        return
    if not rows:
        print(f"no sessions yet in {engine.sessions_dir}")
    for row in rows:
        if row["status"] == "damaged":
            print(f"{row['id']}  damaged    {row['error']}")
            continue
        print(
            f"{row['id']}  {row['status']:<11} {row['model']:<9} "
            f"{row['completed_chains']}/{row['chains']} chains  ${row['cost_usd']:.2f}  "
            f"{row['action'][:50]}"
        )


def print_session(engine: Engine, session: Session, as_json: bool) -> None:
    folder = engine.session_folder(session.id)
    if as_json:
        print_json({**session.to_dict(), "folder": str(folder)})
        return
    print(f"session   {session.id} ({session.status.value})")
    print(f"folder    {folder}")
    print(f"model     {session.model}   action: {session.request.action}")
    print(f"cost      ${session.cost_usd:.2f}")
    if session.error:
        print(f"error     {session.error}")
    _print_links(engine, session)
    for chain in session.chains:
        print(f"chain {chain.index + 1:>2}  {chain.status.value:<10} {chain.video or '-'}")
        beat = session.plan.beat(chain.index) if session.plan else None
        if beat is not None:
            print(f"          beat{' (locked)' if beat.locked else ''}: {beat.text}")
        measured = continuity_line(chain.continuity)
        if measured:
            flags = "; ".join(verdict_of(chain.continuity).reasons)
            print(f"          {measured}" + (f"  ⚑ {flags}" if flags else ""))
    print(f"final     {_absolute(engine, session, session.final_video) or '-'}")


def _print_links(engine: Engine, session: Session) -> None:
    """A draft names its cloud renders and a render its draft: the storyboard's two ends."""
    if session.plan is not None and session.plan.scene_vision:
        print(f"vision    {session.plan.scene_vision}")
    if session.draft_of:
        print(f"draft     {session.draft_of} (this session renders its plan)")
    renders = engine.renders_of(session.id)
    if renders:
        print(f"renders   {', '.join(renders)}")


def models_report(as_json: bool) -> None:
    catalog = describe_catalog()
    if as_json:
        print_json(catalog)
        return
    rows = catalog["models"]
    for row in rows:
        print(
            f"{row['id']:<9} {row['name']:<24} ${row['price_per_clip_usd']:.2f}/clip  "
            f"{row['summary']}"
        )
        for param in row["parameters"]:
            allowed = ", ".join(param.get("choices", [])) or (
                f"{param['minimum']}–{param['maximum']}" if "minimum" in param else param["type"]
            )
            print(f"    {param['key']:<24} default {param['default']!r:<12} {allowed}")


def health_report(health: Health, as_json: bool) -> bool:
    """Print ``health``; True when everything Local Preview needs is there."""
    report = _health_json(health)
    if as_json:
        print_json(report)
        return health.ok
    for service, key in report["keys"].items():
        print(
            f"{service + ' key':<12} "
            + (f"configured ({key['where']})" if key["configured"] else "not set")
        )
    ffmpeg = health.ffmpeg
    print(f"{'ffmpeg':<12} {'ok' if ffmpeg.found else 'MISSING'} {ffmpeg.version or ffmpeg.error}")
    storage = health.storage
    print(
        f"{'sessions':<12} {'ok' if storage.writable else 'NOT WRITABLE'} {storage.path} "
        f"{storage.error or ''}"
    )
    print(f"{'model':<12} {health.default_model} (default)")
    return health.ok


def _health_json(health: Health) -> dict[str, Any]:
    ffmpeg, storage = health.ffmpeg, health.storage
    ffmpeg_json: dict[str, Any] = {"ok": ffmpeg.found}
    if ffmpeg.found:
        ffmpeg_json.update(path=ffmpeg.path, version=ffmpeg.version)
    else:
        ffmpeg_json.update(error=ffmpeg.error)
    storage_json: dict[str, Any] = {"ok": storage.writable, "path": str(storage.path)}
    if storage.error:
        storage_json["error"] = storage.error
    return {
        "version": __version__,
        "keys": {
            service: {
                "configured": info.configured,
                "source": info.source.value,
                "where": info.where,
            }
            for service, info in health.keys.items()
        },
        "ffmpeg": ffmpeg_json,
        "sessions_dir": storage_json,
        "gui": {"ok": health.gui_available},
        "default_model": health.default_model,
        "ok": health.ok,
    }
