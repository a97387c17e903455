"""Which generator makes a model's clips."""

from __future__ import annotations

from scenemaker_desktop.engine.backends.base import Generator
from scenemaker_desktop.engine.catalog import GenerationRequest, ModelSpec
from scenemaker_desktop.engine.continuity.seeds import SeedStepService
from scenemaker_desktop.engine.errors import BackendUnavailableError
from scenemaker_desktop.engine.secrets import Secrets


def generator_for(spec: ModelSpec, secrets: Secrets) -> Generator:
    if not spec.needs_fal:
        from scenemaker_desktop.engine.backends.local import LocalPreviewGenerator

        return LocalPreviewGenerator()
    key = secrets.get("fal")
    if not key:
        raise BackendUnavailableError(
            f"{spec.display_name} runs on fal.ai and needs a fal key: set FAL_KEY or add it "
            "in Settings, or choose Local Preview (model local), which needs none"
        )
    try:
        from scenemaker_desktop.engine.backends.fal import FalGenerator
    except ImportError:
        raise BackendUnavailableError(
            f"{spec.display_name} needs the fal backend, which this build does not include yet"
        ) from None
    return FalGenerator(spec, key)


def seed_steps_for(request: GenerationRequest, secrets: Secrets) -> SeedStepService | None:
    """The fal calls for the request's face steps; None when it asks for none.

    Without a key the steps are skipped with a note (the clips themselves need the
    key anyway, so this only happens to a session resumed after the key was removed)."""
    key = secrets.get("fal")
    if not request.seed_steps or not key:
        return None
    from scenemaker_desktop.engine.backends.fal_seed_steps import FalSeedSteps

    return FalSeedSteps(key)
