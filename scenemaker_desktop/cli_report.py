"""How the CLI shows sessions, models and health: plain text or JSON."""

from __future__ import annotations

import importlib.util
import subprocess
from typing import Any

from scenemaker_desktop import __version__
from scenemaker_desktop.cli import print_json
from scenemaker_desktop.engine.catalog import MODELS, SESSION_PARAMS, build_request, estimate_cost
from scenemaker_desktop.engine.errors import SceneMakerError
from scenemaker_desktop.engine.media.ffmpeg_bin import ffmpeg_exe
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.sessions.store import SessionListing, SessionStore
from scenemaker_desktop.engine.studio import Studio


def _absolute(store: SessionStore, session: Session, relative: str | None) -> str | None:
    path = store.path_of(session, relative)
    return str(path) if path is not None else None


def session_result(store: SessionStore, session: Session) -> dict[str, Any]:
    """The --json object of generate/resume (DESIGN §2), with absolute paths."""
    return {
        "session_id": session.id,
        "status": session.status.value,
        "final_video": _absolute(store, session, session.final_video),
        "chains": [
            {
                "index": chain.index,
                "status": chain.status.value,
                "video": _absolute(store, session, chain.video),
                "prompt": chain.prompt,
            }
            for chain in session.chains
        ],
        "cost_usd": session.cost_usd,
        "error": session.error,
        "folder": str(store.folder(session.id)),
    }


def _summary(store: SessionStore, listing: SessionListing) -> dict[str, Any]:
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
        "action": session.request.get("action", ""),
        "final_video": _absolute(store, session, session.final_video),
        "error": session.error,
    }


def print_sessions(store: SessionStore, listings: list[SessionListing], as_json: bool) -> None:
    rows = [_summary(store, listing) for listing in listings]
    if as_json:
        print_json({"sessions": rows})
        return
    if not rows:
        print(f"no sessions yet in {store.root}")
    for row in rows:
        if row["status"] == "damaged":
            print(f"{row['id']}  damaged    {row['error']}")
            continue
        print(
            f"{row['id']}  {row['status']:<11} {row['model']:<9} "
            f"{row['completed_chains']}/{row['chains']} chains  ${row['cost_usd']:.2f}  "
            f"{row['action'][:50]}"
        )


def print_session(store: SessionStore, session: Session, as_json: bool) -> None:
    if as_json:
        data = session.to_dict()
        data["folder"] = str(store.folder(session.id))
        print_json(data)
        return
    print(f"session   {session.id} ({session.status.value})")
    print(f"folder    {store.folder(session.id)}")
    print(f"model     {session.model}   action: {session.request.get('action', '')}")
    print(f"cost      ${session.cost_usd:.2f}")
    if session.error:
        print(f"error     {session.error}")
    for chain in session.chains:
        print(f"chain {chain.index + 1:>2}  {chain.status.value:<10} {chain.video or '-'}")
    print(f"final     {_absolute(store, session, session.final_video) or '-'}")


def models_report(as_json: bool) -> None:
    rows = []
    for spec in MODELS:
        default_cost = estimate_cost(build_request(spec.id, "preview", 1))
        rows.append(
            {
                "id": spec.id,
                "name": spec.display_name,
                "endpoint": spec.endpoint,
                "needs_fal_key": spec.needs_fal,
                "summary": spec.summary,
                "price_per_clip_usd": default_cost.per_clip_usd,
                "parameters": [p.describe() for p in spec.params],
            }
        )
    if as_json:
        print_json({"models": rows, "session_parameters": [p.describe() for p in SESSION_PARAMS]})
        return
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


def health_report(studio: Studio, as_json: bool) -> bool:
    checks = {
        "version": __version__,
        "keys": {
            service: {
                "configured": info.configured,
                "source": info.source.value,
                "where": info.where,
            }
            for service, info in ((s, studio.secrets.info(s)) for s in ("fal", "openai"))
        },
        "ffmpeg": _ffmpeg_check(),
        "sessions_dir": _storage_check(studio),
        "gui": {"ok": importlib.util.find_spec("PySide6") is not None},
        "default_model": studio.default_model(),
    }
    healthy = checks["ffmpeg"]["ok"] and checks["sessions_dir"]["ok"]
    checks["ok"] = healthy
    if as_json:
        print_json(checks)
        return healthy
    for service, key in checks["keys"].items():
        print(
            f"{service + ' key':<12} "
            + (f"configured ({key['where']})" if key["configured"] else "not set")
        )
    ffmpeg = checks["ffmpeg"]
    print(
        f"{'ffmpeg':<12} {'ok' if ffmpeg['ok'] else 'MISSING'} "
        f"{ffmpeg.get('version') or ffmpeg.get('error', '')}"
    )
    storage = checks["sessions_dir"]
    print(
        f"{'sessions':<12} {'ok' if storage['ok'] else 'NOT WRITABLE'} {storage['path']} "
        f"{storage.get('error', '')}"
    )
    print(f"{'model':<12} {checks['default_model']} (default)")
    return healthy


def _ffmpeg_check() -> dict[str, Any]:
    try:
        exe = ffmpeg_exe()
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=20)
        version = out.stdout.split("\n")[0].split(" Copyright")[0]
        return {"ok": out.returncode == 0, "path": exe, "version": version}
    except (SceneMakerError, OSError, subprocess.SubprocessError) as exc:
        return {"ok": False, "error": str(exc)}


def _storage_check(studio: Studio) -> dict[str, Any]:
    path = str(studio.store.root)
    try:
        studio.store.ensure_writable()
        return {"ok": True, "path": path}
    except SceneMakerError as exc:
        return {"ok": False, "path": path, "error": str(exc)}
