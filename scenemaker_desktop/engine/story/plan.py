"""The storyboard: a scene vision and one beat per chain, readable and editable before paying.

A plan is the contract between the artist and the run: beat k is what happens
in chain k. An unlocked beat is refined with what the seed frame shows when the
chain starts; a locked beat reaches the model's prompt word for word. The plan's
JSON (``scenemaker plan --json``, ``generate --plan``) is read strictly: a field
we do not know is refused by name, so a typo never silently changes a render.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scenemaker_desktop.engine.catalog.session_params import CHAINS_PARAM
from scenemaker_desktop.engine.errors import ValidationError

MAX_BEAT_CHARS = 350
"""One or two sentences. With the longest CHARACTER LOCK block a locked beat still fits
the prompt limit whole, so "word for word" holds for every beat that validates."""
MAX_VISION_CHARS = 1200
MIN_CHAINS, MAX_CHAINS = int(CHAINS_PARAM.minimum or 1), int(CHAINS_PARAM.maximum or 10)

PLAN_FIELDS = frozenset(
    {"scene_vision", "chains", "beats", "lock_block", "chains_reason", "writer", "version"}
)
_BEAT_FIELDS = frozenset({"index", "text", "locked"})
PLAN_VERSION = 1


@dataclass(frozen=True)
class Beat:
    """What happens in one chain; ``index`` counts from 1 as the artist does."""

    index: int
    text: str
    locked: bool = False


@dataclass(frozen=True)
class StoryPlan:
    """The whole story of a session, chain by chain."""

    scene_vision: str = ""
    beats: tuple[Beat, ...] = ()
    lock_block: str = ""
    """The CHARACTER LOCK block every chain's prompt ends with (empty when it is off)."""
    chains_reason: str = ""
    """Why the plan has this many chains, in words ("30 s at 5 s a clip")."""
    writer: str = ""
    """Who wrote the unlocked beats: "openai" or "offline"."""
    auto_chains: bool = False
    """Only for a plan still to be written: the planner chooses the chain count."""

    @property
    def chains(self) -> int:
        return len(self.beats)

    @property
    def planned(self) -> bool:
        """The beats are written; a plan without them only carries the artist's wishes."""
        return bool(self.beats)

    def beat(self, chain_index: int) -> Beat | None:
        """The beat of chain ``chain_index`` (0-based, as the runner counts)."""
        return self.beats[chain_index] if 0 <= chain_index < len(self.beats) else None

    def locked_texts(self) -> dict[int, str]:
        """Locked beats' texts by their 1-based index: what a re-plan must keep."""
        return {beat.index: beat.text for beat in self.beats if beat.locked}

    def with_beat(
        self, index: int, text: str | None = None, locked: bool | None = None
    ) -> StoryPlan:
        """This plan with beat ``index`` (1-based) changed."""
        beats = tuple(
            replace(
                beat,
                text=beat.text if text is None else text,
                locked=beat.locked if locked is None else locked,
            )
            if beat.index == index
            else beat
            for beat in self.beats
        )
        return replace(self, beats=beats)

    def to_json(self) -> dict[str, Any]:
        """The plan as ``scenemaker plan --json`` prints it and ``generate --plan`` reads it."""
        return {
            "version": PLAN_VERSION,
            "scene_vision": self.scene_vision,
            "chains": self.chains,
            "beats": [
                {"index": beat.index, "text": beat.text, "locked": beat.locked}
                for beat in self.beats
            ],
            "lock_block": self.lock_block,
            "chains_reason": self.chains_reason,
            "writer": self.writer,
        }

    @classmethod
    def from_json(
        cls, data: Any, source: str = "the plan", extra: tuple[str, ...] = ()
    ) -> StoryPlan:
        """Read a plan strictly: ValidationError says, in one line, what is allowed.

        ``extra`` names fields the caller reads itself (they are only named as allowed)."""
        if not isinstance(data, Mapping):
            raise ValidationError(f"{source} must be one JSON object")
        _refuse_unknown(data, PLAN_FIELDS | frozenset(extra), source)
        beats_data = data.get("beats")
        if not isinstance(beats_data, list) or not beats_data:
            raise ValidationError(
                f'{source} needs "beats": a list of {MIN_CHAINS}-{MAX_CHAINS} beats'
            )
        beats = tuple(
            _beat_from_json(item, position, source) for position, item in enumerate(beats_data, 1)
        )
        chains = data.get("chains", len(beats))
        if chains != len(beats) or isinstance(chains, bool):
            raise ValidationError(
                f'{source} says "chains": {chains!r} but holds {len(beats)} beats; they must agree'
            )
        plan = cls(
            scene_vision=_text_field(data, "scene_vision", MAX_VISION_CHARS, source),
            beats=beats,
            lock_block=_text_field(data, "lock_block", 2000, source),
            chains_reason=_text_field(data, "chains_reason", 500, source),
            writer=_text_field(data, "writer", 40, source),
        )
        check_plan(plan)
        return plan


def check_plan(plan: StoryPlan, chains: int | None = None) -> StoryPlan:
    """Refuse a plan a run could not follow; ``chains`` is the count the run was asked for."""
    if not MIN_CHAINS <= plan.chains <= MAX_CHAINS:
        raise ValidationError(
            f"a plan holds {MIN_CHAINS}-{MAX_CHAINS} beats, one per chain; "
            f"this one has {plan.chains}"
        )
    if chains is not None and chains != plan.chains:
        raise ValidationError(
            f"the plan has {plan.chains} beats but {chains} chains were asked for; "
            "leave the chain count out or make them agree"
        )
    for position, beat in enumerate(plan.beats, 1):
        if beat.index != position:
            raise ValidationError(
                f"beat {position} says it is beat {beat.index}; number them 1, 2, 3…"
            )
        check_beat_text(beat.index, beat.text)
    if len(plan.scene_vision) > MAX_VISION_CHARS:
        raise ValidationError(
            f"the scene vision is too long ({len(plan.scene_vision):,} characters; "
            f"at most {MAX_VISION_CHARS:,})"
        )
    return plan


def check_beat_text(index: int, text: str) -> str:
    """A beat's text as stored (spaces collapsed), or ValidationError saying what is allowed."""
    cleaned = clean_text(text)
    if not cleaned:
        raise ValidationError(f"beat {index} is empty; say what happens in chain {index}")
    if len(cleaned) > MAX_BEAT_CHARS:
        raise ValidationError(
            f"beat {index} is too long ({len(cleaned):,} characters; at most {MAX_BEAT_CHARS}: "
            "one or two sentences)"
        )
    return cleaned


def clean_text(text: str) -> str:
    return " ".join(text.split())


def numbered(texts: Iterable[str], locked: Mapping[int, str] | None = None) -> tuple[Beat, ...]:
    """Beats from texts in order, with the ``locked`` ones (1-based) put back as written."""
    kept = locked or {}
    return tuple(
        Beat(index, kept[index], True) if index in kept else Beat(index, clean_text(text))
        for index, text in enumerate(texts, 1)
    )


def _beat_from_json(item: Any, position: int, source: str) -> Beat:
    where = f"{source}, beat {position}"
    if not isinstance(item, Mapping):
        raise ValidationError(f"{where} must be an object with index, text and locked")
    _refuse_unknown(item, _BEAT_FIELDS, where)
    index, text, locked = item.get("index", position), item.get("text"), item.get("locked", False)
    if not isinstance(index, int) or isinstance(index, bool):
        raise ValidationError(f"{where}: index must be a whole number")
    if not isinstance(text, str):
        raise ValidationError(f"{where}: text must be text (one or two sentences)")
    if not isinstance(locked, bool):
        raise ValidationError(f"{where}: locked must be true or false")
    return Beat(index, clean_text(text), locked)


def _text_field(data: Mapping[str, Any], name: str, limit: int, source: str) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str):
        raise ValidationError(f"{source}: {name} must be text")
    if len(value) > limit:
        raise ValidationError(
            f"{source}: {name} is too long ({len(value):,} characters; at most {limit:,})"
        )
    return value.strip()


def _refuse_unknown(data: Mapping[str, Any], known: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValidationError(
            f"{where} has unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(known))}"
        )
