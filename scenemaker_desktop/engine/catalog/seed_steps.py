"""Paid fal steps that treat a seed frame before it seeds the next chain (faces), as data.

Each step is one fal image-to-image call: the seed frame (and, for a swap, the
session's input image) go up as files, the answer's ``image.url`` comes back.
They are priced per image, so the estimate, the cost log and the app read the
price from here, like a model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SEED_IMAGE = "seed"
"""The role of the raw seed frame in ``SeedStepSpec.image_fields``."""
REFERENCE_IMAGE = "reference"
"""The role of the session's input image."""


@dataclass(frozen=True)
class SeedStepSpec:
    """One fal call on a seed frame.

    ``image_fields`` maps each fal field that takes an image to what it gets:
    ``"seed"`` (the raw seed frame) or ``"reference"`` (the session's input image).
    ``arguments`` are the other fields, sent as they are.
    """

    key: str
    """The session setting that turns the step on (``face_enhancement``)."""
    label: str
    endpoint: str
    price_usd: float
    """fal's price for one image (these endpoints bill per call, whatever the size)."""
    image_fields: Mapping[str, str]
    arguments: Mapping[str, Any] = field(default_factory=dict)
    doing: str = ""
    """What the step does, in the progress line ("restoring faces")."""


FACE_ENHANCEMENT = SeedStepSpec(
    key="face_enhancement",
    label="Face restoration (CodeFormer)",
    endpoint="fal-ai/codeformer",
    price_usd=0.01,
    image_fields={"image_url": SEED_IMAGE},
    # Fidelity leans toward the frame's own face: a restored face should stay the
    # same person, and 1.0 would change nothing on a soft frame.
    arguments={"fidelity": 0.7},
    doing="restoring faces",
)
FACE_SWAP = SeedStepSpec(
    key="face_swap",
    label="Face swap back to the input's face",
    endpoint="fal-ai/face-swap",
    price_usd=0.03,
    image_fields={"base_image_url": SEED_IMAGE, "swap_image_url": REFERENCE_IMAGE},
    doing="swapping the face back",
)
SEED_STEPS: tuple[SeedStepSpec, ...] = (FACE_ENHANCEMENT, FACE_SWAP)
"""In the order they run: restore the raw seed's faces, then swap the identity back."""
