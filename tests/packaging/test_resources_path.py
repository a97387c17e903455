"""resources/ is found from the source tree and from inside a bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from scenemaker_desktop.resources_path import resource_path, resources_root

REPO = Path(__file__).resolve().parents[2]


def test_source_tree_resources_are_the_repository_folder() -> None:
    assert resources_root() == REPO / "resources"
    assert resource_path("sample_coast.jpg").is_file()
    assert resource_path("theme", "app.qss").is_file()


def test_bundle_resources_win_when_frozen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_root() == tmp_path / "resources"
    assert resource_path("icons", "app.svg") == tmp_path / "resources" / "icons" / "app.svg"


def test_bundle_without_resources_falls_back_to_the_source_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_root() == REPO / "resources"


@pytest.mark.parametrize("parts", [("..", "pyproject.toml"), ("icons/../../x",), ("/etc/passwd",)])
def test_paths_that_leave_resources_are_refused(parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="leaves resources"):
        resource_path(*parts)
