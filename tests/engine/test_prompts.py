from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from scenemaker_desktop.engine.vision.base import ImageAnalysis, PromptContext
from scenemaker_desktop.engine.vision.offline import OfflineAnalyzer, describe_frame
from scenemaker_desktop.engine.vision.prompts import (
    LOCK_FIELD_LIMIT,
    PROMPT_LIMIT,
    ArcPhase,
    TemplatePromptWriter,
    arc_phases,
    lock_block,
    trim_words,
)

E, S, D, R = ArcPhase.ESTABLISHING, ArcPhase.SETUP, ArcPhase.DEVELOPMENT, ArcPhase.RESOLUTION
ACTION = "she turns and walks into the fog"
ANALYSIS = ImageAnalysis(
    theme="a moody, low-key cool-toned scene",
    background="a dark, soft-textured background dominated by charcoal and deep teal",
    main_subject="a woman in a red coat on a jetty (seen from behind)",
    tone_and_color="cool, low-key palette of charcoal, deep teal and ivory; high contrast",
    action_direction="slow push in toward the centre",
)


@pytest.fixture(scope="module")
def seed_frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    image = Image.new("RGB", (320, 180), (54, 57, 61))
    ImageDraw.Draw(image).ellipse((135, 65, 185, 115), fill=(248, 243, 226))
    path = tmp_path_factory.mktemp("seed") / "seed.png"
    image.save(path)
    return path


def _write_all(
    num_chains: int,
    seed_frame: Path | None,
    action: str = ACTION,
    analysis: ImageAnalysis = ANALYSIS,
) -> list[str]:
    writer = TemplatePromptWriter()
    prompts: list[str] = []
    for index in range(num_chains):
        context = PromptContext(
            analysis=analysis,
            action=action,
            chain_index=index,
            num_chains=num_chains,
            seed_frame=None if index == 0 else seed_frame,
            previous_prompts=tuple(prompts),
        )
        prompts.append(writer.write(context).prompt)
    return prompts


@pytest.mark.parametrize(
    ("num_chains", "expected"),
    [
        (1, (ArcPhase.COMPLETE,)),
        (2, (E, R)),
        (3, (E, D, R)),
        (4, (E, S, D, R)),
        (7, (E, E, S, S, D, D, R)),
    ],
)
def test_arc_phases_for_common_chain_counts(num_chains: int, expected: tuple) -> None:
    assert arc_phases(num_chains) == expected


def test_long_arcs_keep_every_phase_in_order() -> None:
    order = [E, S, D, R]
    for num_chains in range(4, 41):
        phases = arc_phases(num_chains)
        assert len(phases) == num_chains
        assert set(phases) == set(order)
        ranks = [order.index(phase) for phase in phases]
        assert ranks == sorted(ranks)


def test_arc_needs_at_least_one_chain() -> None:
    with pytest.raises(ValueError):
        arc_phases(0)


def test_each_phase_phrases_the_action_with_its_own_verb(seed_frame: Path) -> None:
    first, setup, development, last = _write_all(4, seed_frame)
    assert all(ACTION in prompt for prompt in (first, setup, development, last))
    assert "begins to unfold" in first
    assert "continues" in setup and "continues" in development
    assert "reaches its conclusion" in last
    (single,) = _write_all(1, None)
    assert "begins, unfolds and reaches a natural end" in single


def test_lock_block_is_identical_in_every_chain(seed_frame: Path) -> None:
    lock = lock_block(ANALYSIS)
    prompts = _write_all(5, seed_frame)
    assert all(prompt.endswith(lock) for prompt in prompts)
    assert lock.startswith("CHARACTER LOCK — keep identical in every shot: subject — a woman")
    assert "palette — cool, low-key palette of charcoal, deep teal and ivory, high contrast" in lock
    assert "style — a moody, low-key cool-toned scene" in lock
    # An aside meant for the reader of the analysis is not sent to the model.
    assert "seen from behind" not in lock


@pytest.mark.parametrize("num_chains", [2, 3, 4, 7, 12, 30])
def test_prompts_differ_between_chains(seed_frame: Path, num_chains: int) -> None:
    prompts = _write_all(num_chains, seed_frame)
    assert len(set(prompts)) == num_chains


def test_later_chains_describe_their_seed_frame(seed_frame: Path) -> None:
    writer = TemplatePromptWriter()
    first = writer.write(PromptContext(ANALYSIS, ACTION, 0, 3, None))
    second = writer.write(PromptContext(ANALYSIS, ACTION, 1, 3, seed_frame))
    assert first.seed_description == "" and "Continuing from" not in first.prompt
    assert second.seed_description == describe_frame(seed_frame)
    assert f"Continuing from: {second.seed_description}." in second.prompt


def test_prompt_length_is_capped_without_losing_the_lock(seed_frame: Path) -> None:
    long_action = " ".join(f"movement{i} continues gracefully" for i in range(200))
    long_analysis = ImageAnalysis(
        theme="cinematic " * 60,
        background="fog " * 80,
        main_subject="a lighthouse keeper " * 40,
        tone_and_color="teal and amber " * 40,
        action_direction="",
    )
    lock = lock_block(long_analysis)
    assert len(lock) < PROMPT_LIMIT - 200
    for prompt in _write_all(4, seed_frame, action=long_action, analysis=long_analysis):
        assert len(prompt) <= PROMPT_LIMIT
        assert prompt.endswith(lock)
        body = prompt[: -len(lock)].rstrip()
        # The long beat was cut on a word boundary; camera and continuity survive.
        assert "…" in body
        kept_words = body.split("…")[0].split()
        assert kept_words[-1] in long_action.split() or kept_words[-1].startswith("movement")
        assert "cinematic motion, no cuts." in body


def test_lock_fields_are_trimmed_on_word_boundaries() -> None:
    analysis = ImageAnalysis("style " * 100, "", "subject " * 100, "", "")
    lock = lock_block(analysis)
    subject = lock.split("subject — ")[1].split(";")[0]
    assert len(subject) <= LOCK_FIELD_LIMIT and subject.endswith("subject…")
    assert "palette —" not in lock  # empty fields are left out rather than sent blank


def test_trim_words_never_cuts_inside_a_word() -> None:
    assert trim_words("short enough", 50) == "short enough"
    assert trim_words("alpha beta gamma delta", 14) == "alpha beta…"
    assert len(trim_words("alpha beta gamma delta", 14)) <= 14


def test_empty_action_falls_back_to_the_analysis_direction() -> None:
    prompt = TemplatePromptWriter().write(PromptContext(ANALYSIS, "  ", 0, 1, None)).prompt
    assert "slow push in toward the centre" in prompt


def test_chain_index_outside_the_arc_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        TemplatePromptWriter().write(PromptContext(ANALYSIS, ACTION, 3, 3, None))


def test_offline_analysis_feeds_the_template_writer(tmp_path: Path, seed_frame: Path) -> None:
    analysis = OfflineAnalyzer().analyze(seed_frame, action=ACTION)
    writer = TemplatePromptWriter()
    prompt = writer.write(PromptContext(analysis, ACTION, 0, 2, None)).prompt
    assert writer.name == "template" and OfflineAnalyzer.name == "offline"
    assert "Low-key lighting" in prompt
    assert "subject — a softly detailed ivory subject" in prompt
    assert "not identified offline" not in prompt
    assert len(prompt) <= PROMPT_LIMIT
