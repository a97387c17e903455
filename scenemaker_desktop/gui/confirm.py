"""Asking before money is spent or lost: cancel, resume, retry and quit on paid models.

Each question states what the session has already been charged and what the
action will cost, so the artist decides with the numbers in front of them.
Local Preview never asks. "Don't ask again" turns ``Settings.confirm_spending``
off; the Settings dialog turns it back on.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QCheckBox, QMessageBox, QWidget

from scenemaker_desktop.engine.catalog import estimate_cost
from scenemaker_desktop.engine.sessions.charges import cost_breakdown
from scenemaker_desktop.engine.sessions.model import ChainStatus, Session
from scenemaker_desktop.gui.session_text import plural, usd
from scenemaker_desktop.gui.widgets import short

DONT_ASK = "Don't ask again (Settings can turn this back on)"


@dataclass(frozen=True)
class SpendQuestion:
    title: str
    text: str
    proceed: str
    """The button that goes ahead, e.g. "Resume · $0.30"."""
    keep: str
    """The button that changes nothing (the default)."""


@dataclass(frozen=True)
class Answer:
    proceed: bool
    stop_asking: bool = False


def ask(parent: QWidget, question: SpendQuestion) -> Answer:
    box = QMessageBox(parent)
    box.setObjectName("spendQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(question.title)
    box.setText(question.title)
    box.setInformativeText(question.text)
    proceed = box.addButton(question.proceed, QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton(question.keep, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep)
    box.setEscapeButton(keep)
    # Parented to the box: an orphan's Python wrapper would delete it under the box.
    dont_ask = QCheckBox(DONT_ASK, box)
    box.setCheckBox(dont_ask)
    box.exec()
    went_ahead = box.clickedButton() is proceed
    return Answer(went_ahead, went_ahead and dont_ask.isChecked())


def cancel_question(title: str, model_name: str, spent_usd: float) -> SpendQuestion:
    return SpendQuestion(
        f"Cancel “{short(title)}”?",
        f"{model_name} has charged {usd(spent_usd)} for this session so far. "
        "Cancelling stops it now: the clip being made is still billed by fal, finished "
        "chains are kept, and you can resume the rest later.",
        "Cancel job",
        "Keep running",
    )


def run_again_question(session: Session, verb: str) -> SpendQuestion:
    """``verb``: "Resume" or "Retry"; both go on from the first unfinished chain."""
    costs = cost_breakdown(session)
    left = len(costs.chains) - costs.count(ChainStatus.COMPLETED)
    return SpendQuestion(
        f"{verb} “{short(session.request.action or session.id)}”?",
        f"Already paid: {usd(costs.spent_usd)}. {verb} makes the "
        f"{plural(left, 'remaining chain')} on {session.request.spec.display_name} "
        f"for about {usd(costs.to_finish_usd)} more.",
        f"{verb} · {usd(costs.to_finish_usd)}",
        "Not now",
    )


def regenerate_question(session: Session, index: int) -> SpendQuestion:
    """Making chain ``index`` and every chain after it again."""
    estimate = estimate_cost(session.request)
    count = len(session.chains) - index
    cost = count * estimate.per_clip_usd + max(0, count - 1) * estimate.per_seed_usd
    span = f"Chain {index + 1}" if count == 1 else f"Chains {index + 1}–{len(session.chains)}"
    return SpendQuestion(
        f"Regenerate “{short(session.request.action or session.id)}” from chain {index + 1}?",
        f"Already paid: {usd(session.cost_usd)}. {span} {'is' if count == 1 else 'are'} made "
        f"again on {session.request.spec.display_name} for about {usd(cost)}. The clips "
        "they replace are kept in the session's replaced folder.",
        f"Regenerate · {usd(cost)}",
        "Not now",
    )


def quit_question(jobs: int, spent_usd: float) -> SpendQuestion:
    return SpendQuestion(
        f"Quit while {plural(jobs, 'paid job')} {'runs' if jobs == 1 else 'run'}?",
        f"Charged so far: {usd(spent_usd)}. Quitting stops them: finished chains are kept, "
        "and a clip fal is making now is picked up, not paid again, when you resume "
        "(SceneMaker offers that the next time it starts).",
        "Quit",
        "Keep working",
    )


def render_question(draft: Session, model_name: str, cost_usd: float) -> SpendQuestion:
    """Rendering a free preview's plan on a cloud model: a new, paid session."""
    chains = draft.plan.chains if draft.plan is not None else len(draft.chains)
    return SpendQuestion(
        f"Render “{short(draft.request.action or draft.id)}” on {model_name}?",
        f"The draft's plan of {plural(chains, 'chain')} is made again on {model_name} for "
        f"about {usd(cost_usd)}, as a new session linked to the draft. The draft stays as it is.",
        f"Render · {usd(cost_usd)}",
        "Not now",
    )
