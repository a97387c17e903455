"""The app icon set, the Linux launcher entry and its per-user installer."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
ICONS = REPO / "resources" / "icons"
LINUX = REPO / "packaging" / "linux"
PNG_SIZES = (16, 32, 48, 64, 128, 256, 512)


def test_committed_icon_set_has_every_launcher_size() -> None:
    for size in PNG_SIZES:
        with Image.open(ICONS / f"scenemaker-{size}.png") as icon:
            assert icon.size == (size, size)
            assert icon.mode == "RGBA"
            assert icon.getpixel((0, 0))[3] < 16  # rounded corner: transparent
    with Image.open(ICONS / "scenemaker.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= ico.info["sizes"]
    with Image.open(ICONS / "scenemaker.icns") as icns:
        assert icns.format == "ICNS"


def test_icon_generator_draws_the_whole_set(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "tools" / "make_icons.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    names = {p.name for p in tmp_path.iterdir()}
    expected = {f"scenemaker-{s}.png" for s in PNG_SIZES} | {"scenemaker.ico", "scenemaker.icns"}
    assert names == expected
    with Image.open(tmp_path / "scenemaker-256.png") as icon:
        # the play triangle is white, right of centre; the tile is blue
        assert icon.getpixel((170, 128))[:3] == (255, 255, 255)
        red, green, blue, _ = icon.getpixel((30, 200))
        assert blue > red and blue > green


def read_desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(LINUX / "scenemaker.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_images_in_the_app() -> None:
    entry = read_desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "scenemaker gui %f"  # a bare file argument would be read as a command
    assert entry["Icon"] == "scenemaker"
    assert {"image/png", "image/jpeg", "image/webp"} <= set(entry["MimeType"].split(";"))
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(LINUX / "scenemaker.desktop")], check=True)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux launcher")
def test_install_script_installs_for_the_user_and_uninstalls_cleanly(tmp_path: Path) -> None:
    folder = tmp_path / "SceneMaker"
    shutil.copytree(ICONS, folder / "_internal" / "scenemaker_desktop" / "resources" / "icons")
    app = folder / "scenemaker"
    app.write_text("#!/bin/sh\necho SceneMaker test\n")
    app.chmod(0o755)
    for name in ("install.sh", "scenemaker.desktop"):
        shutil.copy2(LINUX / name, folder / name)
    prefix = tmp_path / "prefix"
    env = {**os.environ, "PREFIX": str(prefix)}

    subprocess.run(["bash", str(folder / "install.sh")], check=True, env=env, capture_output=True)

    installed = prefix / "opt" / "SceneMaker"
    assert (prefix / "bin" / "scenemaker").resolve() == (installed / "scenemaker").resolve()
    assert (prefix / "share/icons/hicolor/256x256/apps/scenemaker.png").is_file()
    desktop = (prefix / "share/applications/scenemaker.desktop").read_text()
    assert f"Exec={installed}/scenemaker gui %f" in desktop

    subprocess.run(
        ["bash", str(folder / "install.sh"), "--uninstall"],
        check=True,
        env=env,
        capture_output=True,
    )
    assert not installed.exists()
    assert not (prefix / "bin" / "scenemaker").exists()
    assert not (prefix / "share/icons/hicolor/256x256/apps/scenemaker.png").exists()
