"""resources/ is found through importlib.resources (the wheel and the bundle: test_wheel_install,
tools/package_check.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenemaker_desktop.resources_path import resource_path, resources_root

REPO = Path(__file__).resolve().parents[2]


def test_editable_install_finds_the_repository_folder() -> None:
    assert resources_root() == REPO / "resources"
    assert resource_path("sample_coast.jpg").is_file()
    assert resource_path("theme", "app.qss").is_file()


@pytest.mark.parametrize("parts", [("..", "pyproject.toml"), ("icons/../../x",), ("/etc/passwd",)])
def test_paths_that_leave_resources_are_refused(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="leaves resources"):
        resource_path(*parts)
