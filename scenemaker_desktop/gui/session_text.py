"""How a session reads in the app: its one-line summary, its parameters, its costs.

Shared by the studio's header, the queue and the session browser, so one
session is described the same way wherever it appears.
"""

from __future__ import annotations

import re
from typing import Any

from scenemaker_desktop.engine.catalog import (
    SESSION_PARAMS,
    GenerationRequest,
    Param,
    ParamKind,
    estimate_cost,
    film_seconds,
)
from scenemaker_desktop.engine.sessions.charges import ChainCost, CostBreakdown, cost_breakdown
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session, SessionStatus
from scenemaker_desktop.gui.widgets import pretty_choice

MAX_NAME_CHARS = 60
CHAIN_WORDS = {
    ChainStatus.COMPLETED: "done",
    ChainStatus.CANCELLED: "cancelled",
    ChainStatus.FAILED: "failed",
    ChainStatus.RUNNING: "stopped mid-way",
    ChainStatus.PENDING: "not started",
}
"""A stored chain's state as the breakdown names it (a stored "running" chain was cut off)."""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def export_name(action: str, chain_index: int | None = None) -> str:
    """A file name from the action: "the-beam-sweeps-the-bay.mp4", "…-chain-2.mp4"."""
    words = re.findall(r"[^\W_]+", action.lower())
    stem = "-".join(words)[:MAX_NAME_CHARS].rstrip("-") or "scenemaker"
    if chain_index is not None:
        stem += f"-chain-{chain_index + 1}"
    return f"{stem}.mp4"


def usd(amount: float) -> str:
    return f"${amount:.2f}"


def describe_params(request: GenerationRequest) -> str:
    """The request's parameters as one readable line (text fields left out)."""
    values = {**request.params, **request.session_values()}
    return " · ".join(
        f"{param.label} {_value_text(param, values[param.key])}"
        for param in (*request.spec.params, *SESSION_PARAMS)
        if param.kind is not ParamKind.TEXT
    )


def _value_text(param: Param, value: Any) -> str:
    special = param.special_label(value)
    if special is not None:
        return special
    if param.kind is ParamKind.BOOL:
        return "on" if value else "off"
    return pretty_choice(str(value))


def summary_line(request: GenerationRequest, status: str, spent_usd: float | None = None) -> str:
    """Model · chains · length · cost · status: all a header needs to say.

    ``spent_usd`` is what was charged so far; None before the session ran."""
    estimate = estimate_cost(request)
    parts = [
        request.spec.display_name,
        plural(request.chains, "chain"),
        f"≈ {round(film_seconds(request)):g} s",
        _cost_part(estimate.total_usd, spent_usd, status),
        status,
    ]
    return " · ".join(parts)


def _cost_part(estimate_usd: float, spent_usd: float | None, status: str) -> str:
    if estimate_usd == 0 and not spent_usd:
        return "free"
    if spent_usd is None:
        return f"{usd(estimate_usd)} estimated"
    if status == SessionStatus.COMPLETED.value:
        return usd(spent_usd)
    return f"{usd(spent_usd)} spent of {usd(estimate_usd)}"


def session_summary(session: Session) -> str:
    return summary_line(session.request, session.status.value, session.cost_usd)


def chain_costs(breakdown: CostBreakdown) -> str:
    """Chain by chain: what each is and what it cost, e.g. "1 done $0.40 · 2 cancelled $0.40"."""
    return " · ".join(_chain_cost(chain) for chain in breakdown.chains)


def _chain_cost(chain: ChainCost) -> str:
    text = f"{chain.index + 1} {CHAIN_WORDS[chain.status]}"
    if chain.usd:
        text += f" {usd(chain.usd)}"
    if chain.tries > 1:
        text += f" ({chain.tries} tries)"
    return text


def cost_explained(session: Session) -> str:
    """Why the total is what it is, in a few lines."""
    breakdown = cost_breakdown(session)
    if breakdown.estimate_usd == 0 and not breakdown.spent_usd:
        return "Rendered on this computer: nothing to pay."
    lines = [f"Chains: {chain_costs(breakdown)}"]
    total = f"Spent {usd(breakdown.spent_usd)} (estimate {usd(breakdown.estimate_usd)})"
    if any(chain.tries > 1 or _unfinished(chain) for chain in breakdown.chains):
        total += ": fal bills every clip it started, cancelled ones too"
    lines.append(total + ".")
    if breakdown.unconfirmed_usd:
        lines.append(f"Perhaps billed, unconfirmed: {usd(breakdown.unconfirmed_usd)}.")
    if session.status is not SessionStatus.COMPLETED and breakdown.to_finish_usd:
        left = len(breakdown.chains) - breakdown.count(ChainStatus.COMPLETED)
        lines.append(
            f"Finishing the {plural(left, 'remaining chain')} costs about "
            f"{usd(breakdown.to_finish_usd)}."
        )
    return "\n".join(lines)


def _unfinished(chain: ChainCost) -> bool:
    return chain.usd > 0 and chain.status is not ChainStatus.COMPLETED
