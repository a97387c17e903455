"""A session's cost log: what fal charges for, and what it may have charged for.

``Session.cost_usd`` counts what is sure (a submission fal answered with a
request id); a submission whose answer was lost is logged unconfirmed and said
in the notes, because fal may have queued, and will bill, a job we cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenemaker_desktop.engine.catalog import estimate_cost
from scenemaker_desktop.engine.sessions.model import (
    CLIP,
    Chain,
    ChainStatus,
    Charge,
    Session,
    now_iso,
)


def record_charge(
    session: Session, chain: Chain, usd: float, request_id: str | None, item: str = CLIP
) -> None:
    """A submission the service took: counted in the chain's and the session's cost."""
    if not usd:
        return
    chain.cost_usd = round(chain.cost_usd + usd, 4)
    session.cost_usd = round(session.cost_usd + usd, 4)
    session.cost_log.append(Charge(now_iso(), chain.index, usd, request_id, item=item))


def record_lost_submission(
    session: Session,
    chain: Chain,
    usd: float,
    why: str,
    *,
    since: str | None = None,
    item: str = CLIP,
) -> str:
    """A submission that went out without an answer: logged unconfirmed; returns the note.

    ``since`` is when it went out (a clip's is ``chain.submitting_since``)."""
    if item == CLIP:
        since, chain.submitting_since = since or chain.submitting_since, None
    since = since or now_iso()
    session.cost_log.append(Charge(since, chain.index, usd, None, confirmed=False, item=item))
    what = "its submission" if item == CLIP else f"its {item.replace('_', ' ')} submission"
    return (
        f"chain {chain.index + 1}: the answer to {what} at {since} was lost ({why}); "
        f"fal may have charged for a job we cannot see (≈ ${usd:.2f})"
    )


@dataclass(frozen=True)
class ChainCost:
    index: int
    status: ChainStatus
    usd: float
    """What fal charged for this chain so far (a cancelled attempt included)."""
    tries: int
    """Submissions fal took for this chain: each is billed, cancelled or not."""


@dataclass(frozen=True)
class CostBreakdown:
    """Why a session's total is what it is: chain by chain, and what finishing would add."""

    chains: tuple[ChainCost, ...]
    spent_usd: float
    unconfirmed_usd: float
    """Submissions whose answer was lost: fal may have billed them."""
    to_finish_usd: float
    """What the chains not yet done would cost if the session were resumed."""
    estimate_usd: float
    """The estimate when the session was made: every chain once."""

    def spent_on(self, *statuses: ChainStatus) -> float:
        return round(sum(c.usd for c in self.chains if c.status in statuses), 2)

    def count(self, *statuses: ChainStatus) -> int:
        return sum(1 for c in self.chains if c.status in statuses)


def cost_breakdown(session: Session) -> CostBreakdown:
    estimate = estimate_cost(session.request)
    unfinished = [c for c in session.chains if c.status is not ChainStatus.COMPLETED]
    # Every unfinished chain but the last also makes a seed frame for the paid seed steps.
    seeds = sum(1 for c in unfinished if c.index < len(session.chains) - 1)
    return CostBreakdown(
        chains=tuple(
            ChainCost(c.index, c.status, c.cost_usd, _tries(session, c.index))
            for c in session.chains
        ),
        spent_usd=round(session.cost_usd, 2),
        unconfirmed_usd=round(sum(c.usd for c in session.cost_log if not c.confirmed), 2),
        to_finish_usd=round(
            len(unfinished) * estimate.per_clip_usd + seeds * estimate.per_seed_usd, 2
        ),
        estimate_usd=estimate.total_usd,
    )


def _tries(session: Session, chain_index: int) -> int:
    return sum(
        1
        for c in session.cost_log
        if c.chain_index == chain_index and c.confirmed and c.item == CLIP
    )
