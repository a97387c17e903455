"""Engine test fixtures shared by several modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.local_support import detailed_image


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return detailed_image(tmp_path / "source.png")
