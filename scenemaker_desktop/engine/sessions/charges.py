"""A session's cost log: what fal charges for, and what it may have charged for.

``Session.cost_usd`` counts what is sure (a submission fal answered with a
request id); a submission whose answer was lost is logged unconfirmed and said
in the notes, because fal may have queued, and will bill, a job we cannot see.
"""

from __future__ import annotations

from scenemaker_desktop.engine.sessions.model import Chain, Charge, Session, now_iso


def record_charge(session: Session, chain: Chain, usd: float, request_id: str | None) -> None:
    """A submission the service took: counted in the chain's and the session's cost."""
    if not usd:
        return
    chain.cost_usd = round(chain.cost_usd + usd, 4)
    session.cost_usd = round(session.cost_usd + usd, 4)
    session.cost_log.append(Charge(now_iso(), chain.index, usd, request_id))


def record_lost_submission(session: Session, chain: Chain, usd: float, why: str) -> str:
    """A submission that went out without an answer: logged unconfirmed; returns the note."""
    since = chain.submitting_since or now_iso()
    chain.submitting_since = None
    session.cost_log.append(Charge(since, chain.index, usd, None, confirmed=False))
    return (
        f"chain {chain.index + 1}: the answer to its submission at {since} was lost ({why}); "
        f"fal may have charged for a job we cannot see (≈ ${usd:.2f})"
    )
