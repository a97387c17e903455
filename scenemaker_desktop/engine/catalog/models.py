"""The five generators of DESIGN §1, as data. Adding a model is one entry here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scenemaker_desktop.engine.catalog.params import Param, choice, flag, integer, number, text
from scenemaker_desktop.engine.catalog.pricing import FREE, Price

CrossRule = Callable[[Mapping[str, Any]], str | None]
"""Returns a user-facing complaint (without the model prefix) or None when the values fit."""


@dataclass(frozen=True)
class ModelSpec:
    id: str
    display_name: str
    endpoint: str | None
    params: tuple[Param, ...]
    price: Price
    summary: str
    legacy_names: tuple[str, ...] = ()
    rules: tuple[CrossRule, ...] = ()
    clip_seconds: Callable[[Mapping[str, Any]], float] = lambda values: 5.0
    needs_fal: bool = True

    def param(self, key: str) -> Param | None:
        return next((p for p in self.params if p.key == key), None)

    def defaults(self) -> dict[str, Any]:
        return {p.key: p.default for p in self.params}


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
    clip_seconds=lambda v: float(v.get("duration", 5)),
    params=(
        integer("duration", "Duration (s)", 2, 10, 5, "Length of each chain's clip in seconds."),
        choice(
            "resolution",
            "Resolution",
            ("360p", "480p", "720p", "1080p"),
            "720p",
            "Short side of the video in pixels.",
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
            "quality_preservation",
            "Quality preservation",
            True,
            "Render every chain from the full-resolution image so chains never soften.",
        ),
    ),
)

WAN = ModelSpec(
    id="wan",
    display_name="WAN 2.1 (Default cloud)",
    endpoint="fal-ai/wan-i2v",
    summary="WAN 2.1 image-to-video on fal.ai: good motion, fair price.",
    legacy_names=("WAN (Default)", "WAN 2.1", "WAN"),
    price=Price(base_by="resolution", base_table={"480p": 0.20, "720p": 0.40}, base_usd=0.40),
    clip_seconds=lambda v: int(v.get("num_frames", 81)) / int(v.get("frames_per_second", 16)),
    params=(
        choice(
            "resolution",
            "Resolution",
            ("480p", "720p"),
            "720p",
            "Output resolution.",
            fal_field="resolution",
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
        ),
        flag(
            "enable_prompt_expansion",
            "Prompt expansion",
            False,
            "Let fal rewrite the prompt (off keeps our chain prompts intact).",
            fal_field="enable_prompt_expansion",
            advanced=True,
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
    clip_seconds=lambda v: float(v.get("duration", "5")),
    params=(
        choice(
            "duration",
            "Duration (s)",
            ("5", "8"),
            "5",
            "Clip length; 1080p needs 5.",
            fal_field="duration",
        ),
        choice(
            "resolution",
            "Resolution",
            ("360p", "540p", "720p", "1080p"),
            "720p",
            "Output resolution.",
            fal_field="resolution",
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
        ),
        _NEGATIVE,
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
    clip_seconds=lambda v: float(str(v.get("duration", "5s")).rstrip("s")),
    params=(
        choice(
            "duration",
            "Duration",
            ("5s", "9s"),
            "5s",
            "Clip length.",
            fal_field="duration",
            value_aliases={"5": "5s", "9": "9s"},
        ),
        choice(
            "resolution",
            "Resolution",
            ("540p", "720p", "1080p"),
            "540p",
            "Output resolution (price doubles per step).",
            fal_field="resolution",
        ),
        choice(
            "aspect_ratio",
            "Aspect ratio",
            ("16:9", "9:16", "4:3", "3:4", "21:9", "9:21"),
            "16:9",
            "Frame shape.",
            fal_field="aspect_ratio",
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
    clip_seconds=lambda v: float(v.get("duration", "5")),
    params=(
        choice("duration", "Duration (s)", ("5", "10"), "5", "Clip length.", fal_field="duration"),
        _NEGATIVE,
        number(
            "cfg_scale",
            "Prompt adherence",
            0.0,
            1.0,
            0.5,
            "Higher keeps closer to the prompt; lower gives the model more freedom.",
            fal_field="cfg_scale",
            step=0.05,
        ),
    ),
)

MODELS: tuple[ModelSpec, ...] = (LOCAL, WAN, PIXVERSE, LUMA, KLING)
