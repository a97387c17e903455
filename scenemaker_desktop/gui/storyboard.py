"""The storyboard: the whole story as a row of cards, one per chain, shaped before paying.

The board holds the artist's working plan (the beats and their locks; the scene
vision lives in the analysis column). A stored session's plan can be shown in
its place, read-only, with what each chain was sent; "Your plan" goes back.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from scenemaker_desktop.engine.errors import ValidationError
from scenemaker_desktop.engine.sessions.model import Session
from scenemaker_desktop.engine.story.plan import StoryPlan, check_beat_text, clean_text
from scenemaker_desktop.gui.beat_card import BeatCard
from scenemaker_desktop.gui.theme import bind_icon
from scenemaker_desktop.gui.widgets import MARGIN, ElidedLabel, label, section_title

WRITERS = {"offline": "written offline", "openai": "written by OpenAI"}
EMPTY = (
    "Add an image and describe the action: the story is planned here, chain by chain, "
    "before anything is paid for."
)
STALE = "the action or the analysis changed since this plan was written: Re-plan to follow it"
REPLAN_TIP = "Rewrite every unlocked beat from the current action and analysis (Ctrl+R)"


class Storyboard(QFrame):
    """Emits ``edited`` when a beat's text or lock changes; the buttons emit their requests."""

    edited = Signal()
    replan_requested = Signal()
    preview_requested = Signal()
    render_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.working: StoryPlan | None = None
        """The artist's plan, kept while a session's plan is shown instead."""
        self.stale = False
        self.session: Session | None = None
        """The stored session whose plan and results are shown, if any."""
        self.cards: list[BeatCard] = []
        self._errors: dict[int, str] = {}
        self._terms = ""
        self._render_model: str | None = None
        self._draft: Session | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(MARGIN, MARGIN - 4, MARGIN, MARGIN - 6)
        layout.setSpacing(8)
        layout.addLayout(self._header())
        self.empty = label(EMPTY, "hint", wrap=True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.empty)
        layout.addWidget(self._row(), 1)
        layout.addLayout(self._footer())
        self._show_cards()

    def _header(self) -> QHBoxLayout:
        """Title, who wrote the plan and why this many chains, on one line with Re-plan."""
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(section_title("Storyboard"))
        self.writer = label("", "hint")
        top.addWidget(self.writer)
        self.status = ElidedLabel("", "hint")
        top.addWidget(self.status, 1)
        self.back_button = QPushButton("Your plan")
        self.back_button.setObjectName("flat")
        self.back_button.setToolTip("Back to the plan you are shaping (this one is a session's)")
        self.back_button.clicked.connect(self.show_working)
        self.replan_button = QPushButton("Re-plan")
        bind_icon(self.replan_button, "refresh")
        self.replan_button.setToolTip(REPLAN_TIP)
        self.replan_button.clicked.connect(self.replan_requested)
        top.addWidget(self.back_button)
        top.addWidget(self.replan_button)
        return top

    def _row(self) -> QScrollArea:
        self.row_widget = QWidget()
        self.row = QHBoxLayout(self.row_widget)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.row.setSpacing(10)
        self.row.addStretch(0)  # takes what the cards leave at their widest
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(self.row_widget)
        return self.scroll

    def _footer(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.notice = ElidedLabel("", "hint")
        row.addWidget(self.notice, 1)
        self.preview_button = QPushButton("Preview for free")
        bind_icon(self.preview_button, "play")
        self.preview_button.setToolTip(
            "Render this plan on Local Preview with each beat as a caption: an animatic, free"
        )
        self.preview_button.clicked.connect(self.preview_requested)
        self.render_button = QPushButton("Render…")
        bind_icon(self.render_button, "generate")
        self.render_button.clicked.connect(self.render_requested)
        row.addWidget(self.preview_button)
        row.addWidget(self.render_button)
        self._update_render()
        return row

    # -- the working plan ------------------------------------------------------------------

    def show_plan(self, plan: StoryPlan | None, stale: bool = False) -> None:
        """Make ``plan`` the artist's plan and show it, editable."""
        self.working, self.stale, self.session = plan, stale, None
        self._show_cards()

    def show_working(self) -> None:
        self.session = None
        self._show_cards()

    def current_plan(self) -> StoryPlan | None:
        return self.working

    def set_stale(self, stale: bool) -> None:
        if stale != self.stale:
            self.stale = stale
            self._show_status()

    def set_busy(self, text: str) -> None:
        self.replan_button.setEnabled(False)
        self.notice.setText(text)

    def set_note(self, text: str) -> None:
        """What the last planning said: a fallback's notice, or what went wrong."""
        self.replan_button.setEnabled(True)
        self.notice.setText(text)

    def set_terms(self, terms: str) -> None:
        """Every chain's clip length and price, e.g. "5 s · $0.20"."""
        self._terms = terms
        for card in self.cards:
            card.set_terms(terms)

    def problem(self, chains: int) -> str | None:
        """Why the working plan cannot be generated with ``chains`` chains, if it cannot."""
        plan = self.working
        if plan is None or not plan.planned:
            return None
        if self._errors:
            return self._errors[min(self._errors)]
        if plan.chains != chains:
            return (
                f"the plan has {plan.chains} beat{'s' * (plan.chains != 1)} for {chains} "
                f"chain{'s' * (chains != 1)} — Re-plan"
            )
        return None

    def _beat_edited(self, index: int, text: str) -> None:
        if self.working is None or self.session is not None:
            return
        try:
            check_beat_text(index, text)
            self._errors.pop(index, None)
        except ValidationError as exc:
            self._errors[index] = str(exc)
        self.cards[index - 1].set_error(self._errors.get(index))
        self.working = self.working.with_beat(index, text=clean_text(text))
        self.edited.emit()

    def _lock_toggled(self, index: int, locked: bool) -> None:
        if self.working is not None and self.session is None:
            self.working = self.working.with_beat(index, locked=locked)
            self.edited.emit()

    # -- what was made -----------------------------------------------------------------

    def show_chain(self, index: int, image: QImage, prompt: str, seed_description: str) -> None:
        """Chain ``index`` (from 0) of the run these cards follow is made."""
        if 0 <= index < len(self.cards):
            self.cards[index].show_result(image, prompt, seed_description)

    def show_session(self, session: Session, images: Sequence[QImage]) -> None:
        """``session``'s plan with what each chain was sent; on the working cards when it is
        the working plan (the run just made from it), else read-only in their place."""
        plan = session.plan
        if plan is None or not plan.planned:
            self.draft_shown(None)
            return
        if self.session is not None or not _same_beats(plan, self.working):
            self.session = session
            self._show_cards()
        self.draft_shown(session)
        for chain, image in zip(session.chains, images, strict=False):
            if chain.prompt:
                self.show_chain(chain.index, image, chain.prompt, chain.seed_description)

    def draft_shown(self, session: Session | None) -> None:
        """The session the studio shows now; a Local Preview one with a plan is a draft."""
        is_draft = session is not None and not session.request.spec.needs_fal
        self._draft = session if is_draft and session.plan and session.plan.planned else None
        self._update_render()

    @property
    def draft(self) -> Session | None:
        return self._draft

    def set_render_model(self, model_name: str | None) -> None:
        """The cloud model chosen in the model panel (None: Local Preview is chosen)."""
        self._render_model = model_name
        self._update_render()

    def _update_render(self) -> None:
        name = self._render_model
        self.render_button.setText(f"Render with {name}…" if name else "Render…")
        ready = name is not None and self.draft is not None
        self.render_button.setEnabled(ready)
        if ready:
            tip = f"Render the draft shown ({self.draft.id}) on {name}, after you confirm the cost"
        elif name is None:
            tip = "Choose a cloud model on the right to render a draft with it"
        else:
            tip = "Show a free preview (a draft) first: its plan is what gets rendered"
        self.render_button.setToolTip(tip)

    # -- the cards ---------------------------------------------------------------------

    def _shown_plan(self) -> StoryPlan | None:
        return self.session.plan if self.session is not None else self.working

    def _show_cards(self) -> None:
        for card in self.cards:
            self.row.removeWidget(card)
            card.deleteLater()
        self.cards, self._errors = [], {}
        plan = self._shown_plan()
        editable = self.session is None
        for beat in plan.beats if plan is not None else ():
            card = BeatCard(beat, self._terms)
            card.set_editable(editable)
            card.edited.connect(self._beat_edited)
            card.lock_toggled.connect(self._lock_toggled)
            self.row.insertWidget(self.row.count() - 1, card, 1)
            self.cards.append(card)
        self._chain_tab_order()
        has_cards = bool(self.cards)
        self.empty.setVisible(not has_cards)
        self.scroll.setVisible(has_cards)
        self.back_button.setVisible(not editable)
        self.replan_button.setVisible(editable)
        self.preview_button.setVisible(editable)
        self._show_status()

    def _chain_tab_order(self) -> None:
        """Tab goes beat text → its lock → the next card's text."""
        previous = None
        for card in self.cards:
            if previous is not None:
                QWidget.setTabOrder(previous.lock, card.text)
            QWidget.setTabOrder(card.text, card.lock)
            previous = card

    def _show_status(self) -> None:
        plan = self._shown_plan()
        if plan is None:
            self.writer.setText("")
            self.status.setText("")
            return
        writer = WRITERS.get(plan.writer, plan.writer)
        self.writer.setText(f"· {writer}" if writer else "")
        if self.session is not None:
            line = f"the plan session {self.session.id} ran with (read-only)"
        else:
            line = STALE if self.stale else plan.chains_reason
        self.status.setText(f"· {line}" if line else "")


def _same_beats(plan: StoryPlan, other: StoryPlan | None) -> bool:
    return other is not None and [b.text for b in plan.beats] == [b.text for b in other.beats]
