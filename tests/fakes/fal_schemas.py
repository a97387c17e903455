"""Pinned input schemas of the fal endpoints: four video models (docs/ARCHITECTURE.md
lists them) and the two image endpoints of the seed-frame steps.

Each field is plain data: ``type`` (string/integer/number/boolean), optional
``enum``, ``ge``/``le`` bounds, ``required``, ``default`` and ``url`` (the value
must be a file the fake can fetch: its own CDN or a data: URI). Ranges are
pinned only where our docs pin them; other numeric knobs accept any number of
the right type. ``RULES`` holds the cross-field constraints.
"""

from __future__ import annotations

from typing import Any

Field = dict[str, Any]

_PROMPT: Field = {"type": "string", "required": True}
_IMAGE_URL: Field = {"type": "string", "required": True, "url": True}

WAN = "fal-ai/wan-i2v"
PIXVERSE = "fal-ai/pixverse/v3.5/image-to-video"
LUMA = "fal-ai/luma-dream-machine/ray-2/image-to-video"
KLING = "fal-ai/kling-video/v2.1/pro/image-to-video"
CODEFORMER = "fal-ai/codeformer"
FACE_SWAP = "fal-ai/face-swap"

SCHEMAS: dict[str, dict[str, Field]] = {
    WAN: {
        "prompt": _PROMPT,
        "image_url": _IMAGE_URL,
        "negative_prompt": {"type": "string", "default": ""},
        "num_frames": {"type": "integer", "ge": 81, "le": 100, "default": 81},
        "frames_per_second": {"type": "integer", "ge": 5, "le": 24, "default": 16},
        "seed": {"type": "integer"},
        "resolution": {"type": "string", "enum": ["480p", "720p"], "default": "720p"},
        "num_inference_steps": {"type": "integer", "ge": 1, "default": 30},
        "guide_scale": {"type": "number", "ge": 0, "default": 5.0},
        "shift": {"type": "number", "ge": 0, "default": 5.0},
        "enable_safety_checker": {"type": "boolean", "default": False},
        "enable_prompt_expansion": {"type": "boolean", "default": False},
        "acceleration": {"type": "string", "enum": ["none", "regular"], "default": "regular"},
        "aspect_ratio": {
            "type": "string",
            "enum": ["auto", "16:9", "9:16", "1:1"],
            "default": "auto",
        },
    },
    PIXVERSE: {
        "prompt": _PROMPT,
        "image_url": _IMAGE_URL,
        "duration": {"type": "string", "enum": ["5", "8"], "default": "5"},
        "resolution": {
            "type": "string",
            "enum": ["360p", "540p", "720p", "1080p"],
            "default": "720p",
        },
        "negative_prompt": {"type": "string", "default": ""},
        "style": {
            "type": "string",
            "enum": ["anime", "3d_animation", "clay", "comic", "cyberpunk"],
        },
        "seed": {"type": "integer"},
    },
    LUMA: {
        "prompt": _PROMPT,
        "image_url": _IMAGE_URL,
        "end_image_url": {"type": "string", "url": True},
        "aspect_ratio": {
            "type": "string",
            "enum": ["16:9", "9:16", "4:3", "3:4", "21:9", "9:21"],
            "default": "16:9",
        },
        "loop": {"type": "boolean", "default": False},
        "resolution": {"type": "string", "enum": ["540p", "720p", "1080p"], "default": "540p"},
        "duration": {"type": "string", "enum": ["5s", "9s"], "default": "5s"},
    },
    KLING: {
        "prompt": _PROMPT,
        "image_url": _IMAGE_URL,
        "duration": {"type": "string", "enum": ["5", "10"], "default": "5"},
        "negative_prompt": {"type": "string", "default": "blur, distort, and low quality"},
        "cfg_scale": {"type": "number", "ge": 0, "le": 1, "default": 0.5},
        "tail_image_url": {"type": "string", "url": True},
    },
    CODEFORMER: {
        "image_url": _IMAGE_URL,
        "fidelity": {"type": "number", "ge": 0, "le": 1, "default": 0.5},
        "upscaling": {"type": "number", "default": 2},
        "face_upscale": {"type": "boolean", "default": True},
        "aligned": {"type": "boolean", "default": False},
        "only_center_face": {"type": "boolean", "default": False},
        "seed": {"type": "integer"},
    },
    FACE_SWAP: {
        "base_image_url": _IMAGE_URL,
        "swap_image_url": _IMAGE_URL,
    },
}

RULES: dict[str, list[dict[str, Any]]] = {
    PIXVERSE: [
        {
            "when": {"resolution": "1080p"},
            "field": "duration",
            "allowed": ["5"],
            "msg": "1080p videos are limited to a duration of 5 seconds",
        }
    ],
}


def app_root(app_id: str) -> str:
    """The ``owner/app`` part of an endpoint id: what status/result/cancel URLs use."""
    return "/".join(app_id.split("/")[:2])


def url_fields(app_id: str) -> list[str]:
    return [name for name, spec in SCHEMAS[app_id].items() if spec.get("url")]


def required_url_fields(app_id: str) -> list[str]:
    """The images a job needs to run (its optional ones, such as Luma's end image, are
    only checked to be fetchable)."""
    return [name for name in url_fields(app_id) if SCHEMAS[app_id][name].get("required")]
