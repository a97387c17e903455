"""A wheel built from a clean clone installs into a fresh virtual environment and starts styled.

The build is offline: ``build --no-isolation`` uses this environment's setuptools (the dev
extras) instead of fetching one, and makes the wheel from the sdist, so both are checked. The
fresh environment borrows this one's dependencies through a .pth file rather than downloading
PySide6 again; its own site-packages comes first, and the probe runs outside the repository,
so the app it starts is the installed copy (asserted, not assumed).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scenemaker_desktop import __version__
from scenemaker_desktop.gui.theme import colours

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("installed_app_probe.py")
NETWORK_GUARD = REPO / "tests" / "fakes"  # the probe imports network_guard from here
BIN = "Scripts" if os.name == "nt" else "bin"

pytestmark = pytest.mark.slow


def _run(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert proc.returncode == 0, f"{args[:4]} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    return proc


def _clean_clone(dest: Path) -> Path:
    """What a clone holds: tracked and new files, nothing ignored (.venv, build/, egg-info)."""
    listing = _run("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for name in filter(None, listing.stdout.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the work tree is gone from a clone too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    return dest


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _clean_clone(tmp_path_factory.mktemp("clone"))


@pytest.fixture(scope="module")
def wheel(clone: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, clone, timeout=300)
    assert len(list(out.glob("*.tar.gz"))) == 1
    return next(out.glob("*.whl"))


@pytest.fixture(scope="module")
def fresh_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / BIN / "python"
    fresh_site = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    borrowed = "\n".join(site.getsitepackages())
    Path(fresh_site.stdout.strip(), "borrowed-dependencies.pth").write_text(borrowed + "\n")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", wheel, timeout=300)  # fmt: skip
    return python


def test_wheel_carries_every_module_and_resource(clone: Path, wheel: Path) -> None:
    def files_in(folder: str) -> set[str]:
        return {p.relative_to(clone).as_posix() for p in (clone / folder).rglob("*") if p.is_file()}

    expected = files_in("scenemaker_desktop") | {
        f"scenemaker_desktop/{name}" for name in files_in("resources")
    }
    with zipfile.ZipFile(wheel) as archive:
        assert expected - set(archive.namelist()) == set()


def test_installed_app_starts_styled_from_its_own_copy(fresh_python: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(NETWORK_GUARD), "QT_QPA_PLATFORM": "offscreen"}
    proc = _run(fresh_python, PROBE, cwd=tmp_path, env=env, timeout=120)
    frame = json.loads(proc.stdout.strip().splitlines()[-1])

    venv = fresh_python.parents[1]
    assert venv in Path(frame["package"]).parents
    resources = Path(frame["resources"])
    assert resources == Path(frame["package"]).parent / "resources"
    assert frame["style_sheet_chars"] > 1000
    assert frame["style_sheet_files"], "the style sheet names no icons"
    for name in frame["style_sheet_files"]:
        assert resources in Path(name).parents and Path(name).is_file(), name
    assert not frame["window_icon_null"]
    assert frame["top_bar_colour"] == colours(frame["variant"])["card"]


def test_the_wheel_installs_the_scenemaker_command(fresh_python: Path, tmp_path: Path) -> None:
    command = shutil.which("scenemaker", path=fresh_python.parent)
    assert command is not None
    proc = _run(command, "--version", cwd=tmp_path, timeout=120)
    assert proc.stdout.strip() == f"SceneMaker {__version__}"
