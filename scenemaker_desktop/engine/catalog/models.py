"""The five generators, as data: Local Preview and four fal.ai models.

Adding a model is one entry here; forms, validation, CLI --set, fal arguments,
cost and old-request translation all read these entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from scenemaker_desktop.engine.catalog.params import choice, flag, integer, number, text
from scenemaker_desktop.engine.catalog.pricing import FREE, Price
from scenemaker_desktop.engine.catalog.spec import ClipTiming, ModelSpec


def _pixverse_1080p_only_5s(values: Mapping[str, Any]) -> str | None:
    if values.get("resolution") == "1080p" and values.get("duration") != "5":
        return "1080p is only available with duration 5"
    return None


_SEED = integer(
    "seed",
    "Seed",
    -1,
    2**31 - 1,
    -1,
    "Same seed + same input = same clip; -1 picks one at random.",
    fal_field="seed",
    omit_when=(-1,),
    special_labels={-1: "Random"},
    legacy_field="seed",
)
_NEGATIVE = text(
    "negative_prompt",
    "Negative prompt",
    "blurry, distorted, low quality, watermark, text",
    "What the model should avoid.",
    fal_field="negative_prompt",
    omit_when=("",),
)

LOCAL = ModelSpec(
    id="local",
    display_name="Local Preview",
    endpoint=None,
    summary="Offline camera-move renderer: instant, free, no key needed.",
    legacy_names=("Local", "Local Preview (offline)"),
    price=FREE,
    needs_fal=False,
    timing=ClipTiming(seconds_param="duration", typical_generation_seconds=10.0),
    params=(
        integer("duration", "Duration (s)", 2, 10, 5, "Length of each chain's clip in seconds."),
        choice(
            "resolution",
            "Resolution",
            ("360p", "480p", "720p", "1080p"),
            "720p",
            "Short side of the video in pixels.",
            legacy_field="resolution",
        ),
        choice(
            "aspect_ratio",
            "Aspect ratio",
            ("auto", "16:9", "9:16", "1:1", "4:3", "3:4"),
            "auto",
            "Frame shape; auto picks the one closest to the image.",
        ),
        integer("fps", "Frames per second", 12, 30, 24, "Frame rate of the rendered clips."),
        number(
            "motion_strength",
            "Motion strength",
            0.1,
            1.0,
            0.5,
            "How far the camera travels in one clip.",
            step=0.05,
        ),
        choice(
            "camera_move",
            "Camera move",
            (
                "auto",
                "push_in",
                "pull_out",
                "pan_left",
                "pan_right",
                "tilt_up",
                "tilt_down",
                "orbit",
                "drift",
            ),
            "auto",
            "auto chooses the move from the action text.",
        ),
        flag(
            "captions",
            "Beat captions",
            False,
            "Burn each chain's planned beat into its clip as a caption (the animatic).",
        ),
    ),
    presets={"Maximum Quality": {"resolution": "1080p"}, "Speed": {"resolution": "480p"}},
)

WAN = ModelSpec(
    id="wan",
    display_name="WAN 2.1 (Default cloud)",
    endpoint="fal-ai/wan-i2v",
    summary="WAN 2.1 image-to-video on fal.ai: good motion, fair price.",
    legacy_names=("WAN (Default)", "WAN 2.1", "WAN"),
    price=Price(base_by="resolution", base_table={"480p": 0.20, "720p": 0.40}, base_usd=0.40),
    timing=ClipTiming(
        frames_param="num_frames", fps_param="frames_per_second", typical_generation_seconds=90.0
    ),
    presets={
        "Maximum Quality": {"num_inference_steps": 40, "acceleration": "none"},
        "Speed": {"num_inference_steps": 20, "resolution": "480p"},
    },
    params=(
        choice(
            "resolution",
            "Resolution",
            ("480p", "720p"),
            "720p",
            "Output resolution.",
            fal_field="resolution",
            legacy_field="resolution",
        ),
        integer(
            "num_frames", "Frames", 81, 100, 81, "Frames per clip (81–100).", fal_field="num_frames"
        ),
        integer(
            "frames_per_second",
            "Frames per second",
            5,
            24,
            16,
            "Playback rate of the clip.",
            fal_field="frames_per_second",
        ),
        choice(
            "aspect_ratio",
            "Aspect ratio",
            ("auto", "16:9", "9:16", "1:1"),
            "auto",
            "auto follows the input image.",
            fal_field="aspect_ratio",
        ),
        _NEGATIVE,
        _SEED,
        integer(
            "num_inference_steps",
            "Inference steps",
            2,
            40,
            30,
            "More steps: finer detail, slower.",
            fal_field="num_inference_steps",
            advanced=True,
            legacy_field="inference_steps",
        ),
        number(
            "guide_scale",
            "Guidance scale",
            1.0,
            10.0,
            5.0,
            "How strictly the clip follows the prompt.",
            fal_field="guide_scale",
            step=0.5,
            advanced=True,
        ),
        number(
            "shift",
            "Shift",
            1.0,
            10.0,
            5.0,
            "Scheduler shift; higher suits larger frames.",
            fal_field="shift",
            step=0.5,
            advanced=True,
        ),
        flag(
            "enable_safety_checker",
            "Safety checker",
            False,
            "Let fal screen the output.",
            fal_field="enable_safety_checker",
            advanced=True,
            legacy_field="safety_checker",
        ),
        flag(
            "enable_prompt_expansion",
            "Prompt expansion",
            False,
            "Let fal rewrite the prompt (off keeps our chain prompts intact).",
            fal_field="enable_prompt_expansion",
            advanced=True,
            legacy_field="prompt_expansion",
        ),
        choice(
            "acceleration",
            "Acceleration",
            ("none", "regular"),
            "regular",
            "regular is faster at a small quality cost.",
            fal_field="acceleration",
            advanced=True,
        ),
    ),
)

PIXVERSE = ModelSpec(
    id="pixverse",
    display_name="Pixverse v3.5",
    endpoint="fal-ai/pixverse/v3.5/image-to-video",
    summary="Pixverse v3.5 on fal.ai: stylised looks, up to 1080p.",
    legacy_names=("Pixverse v3.5", "Pixverse"),
    price=Price(
        base_by="resolution",
        base_table={"360p": 0.15, "540p": 0.15, "720p": 0.20, "1080p": 0.40},
        factors=(("duration", {"8": 2.0}),),
    ),
    rules=(_pixverse_1080p_only_5s,),
    presets={
        "Maximum Quality": {"resolution": "1080p", "duration": "5"},
        "Speed": {"resolution": "540p"},
    },
    timing=ClipTiming(seconds_param="duration", typical_generation_seconds=45.0),
    params=(
        choice(
            "duration",
            "Duration (s)",
            ("5", "8"),
            "5",
            "Clip length; 1080p needs 5.",
            fal_field="duration",
            legacy_field="pixverse_duration",
        ),
        choice(
            "resolution",
            "Resolution",
            ("360p", "540p", "720p", "1080p"),
            "720p",
            "Output resolution.",
            fal_field="resolution",
            legacy_field="resolution",
        ),
        choice(
            "style",
            "Style",
            ("none", "anime", "3d_animation", "clay", "comic", "cyberpunk"),
            "none",
            "A look for the whole clip; none keeps the image's own style.",
            fal_field="style",
            omit_when=("none",),
            value_aliases={"None": "none", "": "none"},
            legacy_field="pixverse_style",
        ),
        replace(_NEGATIVE, legacy_field="pixverse_negative_prompt"),
        _SEED,
    ),
)

LUMA = ModelSpec(
    id="luma",
    display_name="LUMA Ray2",
    endpoint="fal-ai/luma-dream-machine/ray-2/image-to-video",
    summary="Luma Ray2 on fal.ai: cinematic, premium.",
    legacy_names=("LUMA Ray2", "Luma Ray2", "LUMA"),
    price=Price(
        base_usd=0.50,
        factors=(
            ("resolution", {"540p": 1.0, "720p": 2.0, "1080p": 4.0}),
            ("duration", {"9s": 2.0}),
        ),
    ),
    timing=ClipTiming(seconds_param="duration", typical_generation_seconds=75.0),
    # 1080p would quadruple the price: the top preset stops at 720p (double).
    presets={"Maximum Quality": {"resolution": "720p"}},
    params=(
        choice(
            "duration",
            "Duration",
            ("5s", "9s"),
            "5s",
            "Clip length.",
            fal_field="duration",
            value_aliases={"5": "5s", "9": "9s"},
            legacy_field="luma_duration",
        ),
        choice(
            "resolution",
            "Resolution",
            ("540p", "720p", "1080p"),
            "540p",
            "Output resolution (price doubles per step).",
            fal_field="resolution",
            legacy_field="resolution",
        ),
        choice(
            "aspect_ratio",
            "Aspect ratio",
            ("16:9", "9:16", "4:3", "3:4", "21:9", "9:21"),
            "16:9",
            "Frame shape.",
            fal_field="aspect_ratio",
            legacy_field="luma_aspect_ratio",
        ),
        flag(
            "loop", "Loop", False, "Make the clip loop back to its first frame.", fal_field="loop"
        ),
    ),
)

KLING = ModelSpec(
    id="kling",
    display_name="Kling 2.1 PRO",
    endpoint="fal-ai/kling-video/v2.1/pro/image-to-video",
    summary="Kling 2.1 PRO on fal.ai: strong motion and prompt control.",
    legacy_names=("Kling 2.1 PRO", "Kling"),
    price=Price(base_usd=0.49, extra_per_second=0.098, included_seconds=5),
    timing=ClipTiming(seconds_param="duration", typical_generation_seconds=150.0),
    params=(
        choice(
            "duration",
            "Duration (s)",
            ("5", "10"),
            "5",
            "Clip length.",
            fal_field="duration",
            legacy_field="kling_duration",
        ),
        replace(_NEGATIVE, legacy_field="kling_negative_prompt"),
        number(
            "cfg_scale",
            "Prompt adherence",
            0.0,
            1.0,
            0.5,
            "Higher keeps closer to the prompt; lower gives the model more freedom.",
            fal_field="cfg_scale",
            step=0.05,
            legacy_field="kling_creativity",
        ),
    ),
)

MODELS: tuple[ModelSpec, ...] = (LOCAL, WAN, PIXVERSE, LUMA, KLING)
DEFAULT_CLOUD = WAN
"""The cloud model used unless one is chosen ("WAN (Default)" in the old web app)."""


def default_model_id(has_fal_key: bool) -> str:
    """The model a new session uses when neither the user nor the settings chose one:
    the default cloud model once a fal key exists, Local Preview without one."""
    return (DEFAULT_CLOUD if has_fal_key else LOCAL).id


@dataclass(frozen=True)
class LocalPreviewValues:
    """Local Preview's parameters as typed attributes, for the renderer that reads them.

    The field names are the LOCAL entry's keys (``of`` fails on any mismatch), so
    the renderer never spells a key or a default of its own.
    """

    duration: int
    resolution: str
    aspect_ratio: str
    fps: int
    motion_strength: float
    camera_move: str
    captions: bool

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> LocalPreviewValues:
        return cls(**LOCAL.with_defaults(values))
