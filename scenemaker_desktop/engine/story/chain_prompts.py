"""A session run's words: the plan before the first chain, then each chain's prompt from its beat.

Calls (OpenAI with a key): the plan is one; chain 1's prompt is its beat dressed by
the template (the planner already looked at the input image); each later chain
makes one call that sees its seed frame and refines the beat. A locked beat makes
no call at all: it is the prompt word for word, with the CHARACTER LOCK block after
it. So a session of N chains still makes at most N + 1 calls with its analysis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from scenemaker_desktop.engine.sessions.model import Chain, ChainStatus, Session
from scenemaker_desktop.engine.story.plan import Beat, StoryPlan
from scenemaker_desktop.engine.story.planner import brief_for
from scenemaker_desktop.engine.vision.base import ChainPrompt, ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.offline import describe_frame
from scenemaker_desktop.engine.vision.prompts import context_lock, fit_prompt
from scenemaker_desktop.engine.vision.service import Vision

LOCKED = "locked"
"""``Chain.prompt_source`` of a prompt that is the artist's locked beat."""
PLANNED = "plan"
"""``Chain.prompt_source`` of chain 1's prompt made from its planned beat without a call."""


class SessionWords:
    """Plans one session and writes its chains' prompts (lives inside the runner's run)."""

    def __init__(
        self, session: Session, folder: Path, vision: Vision, notice: Callable[[str], None]
    ) -> None:
        self.session, self.folder, self.vision, self.notice = session, folder, vision, notice

    @property
    def input_image(self) -> Path:
        return self.folder / self.session.input_image

    def plan(self) -> bool:
        """Write the plan if the session has none yet; True when it wrote one.

        A plan that leaves the count to the planner (``auto_chains``) sets the session's
        chain count, which only happens before any chain has run."""
        wishes = self.session.plan
        if wishes is not None and wishes.planned:
            return False
        brief = brief_for(self.session.request, self._analysis(), wishes, self.input_image)
        written = self.vision.plan(brief)
        self.notice(written.notice)
        plan = written.value
        if plan.chains != len(self.session.chains):
            self._set_chain_count(plan)
        self.session.plan = plan
        return True

    def write(self, chain: Chain, seed_frame: Path | None) -> ChainPrompt:
        """Chain ``chain``'s prompt; sets its prompt, seed description and source."""
        beat = self.session.plan.beat(chain.index) if self.session.plan else None
        context = self._context(chain, seed_frame, beat)
        if beat is not None and beat.locked:
            written, source = self._locked(context, beat), LOCKED
        elif beat is not None and chain.index == 0:
            written, source = self.vision.write_offline(context), PLANNED
        else:
            result = self.vision.write(context)
            written, source = result.value, result.source
            self.notice(result.notice)
        chain.prompt, chain.seed_description = written.prompt, written.seed_description
        chain.prompt_source = source
        return written

    def _context(self, chain: Chain, seed_frame: Path | None, beat: Beat | None) -> PromptContext:
        request, plan = self.session.request, self.session.plan
        return PromptContext(
            analysis=self._analysis(),
            action=request.action,
            chain_index=chain.index,
            num_chains=len(self.session.chains),
            seed_frame=seed_frame,
            previous_prompts=[c.prompt for c in self.session.chains[: chain.index]],
            scene_vision=plan.scene_vision if plan else "",
            reference_image=self.input_image,
            character_lock=request.character_lock,
            beat=beat.text if beat else "",
        )

    @staticmethod
    def _locked(context: PromptContext, beat: Beat) -> ChainPrompt:
        """The beat as the artist wrote it (limits make it fit whole beside the lock block);
        the seed frame is still described, offline, for the artist to read."""
        seen = describe_frame(context.seed_frame) if context.seed_frame is not None else ""
        return ChainPrompt(fit_prompt(beat.text, "", context_lock(context)), seen)

    def _analysis(self) -> ImageAnalysis:
        return ImageAnalysis.from_dict(self.session.analysis)

    def _set_chain_count(self, plan: StoryPlan) -> None:
        session = self.session
        if any(c.status is not ChainStatus.PENDING or c.prompt for c in session.chains):
            raise RuntimeError("a session's chain count changes only before its first chain")
        session.request = replace(session.request, chains=plan.chains)
        session.chains = [Chain(index=index) for index in range(plan.chains)]
        self.notice(f"the plan has {plan.chains} chains: {plan.chains_reason}")
