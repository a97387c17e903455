"""What the packaged app leaves out of Qt, and what it must keep."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# packaging/ is not a Python package (and `packaging` is a PyPI name): load by path.
_spec = importlib.util.spec_from_file_location("bundle_trim", REPO / "packaging" / "bundle_trim.py")
assert _spec is not None and _spec.loader is not None
bundle_trim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bundle_trim)


@pytest.mark.parametrize(
    "kept",
    [
        "PySide6/Qt/plugins/multimedia/libffmpegmediaplugin.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "PySide6/Qt/plugins/platforms/libqwayland.so",
        "PySide6/Qt/plugins/platforms/libqoffscreen.so",
        "PySide6/Qt/plugins/imageformats/libqjpeg.so",
        "PySide6/Qt/plugins/imageformats/libqwebp.so",
        "PySide6/Qt/plugins/iconengines/libqsvgicon.so",
        "PySide6/Qt/plugins/platforminputcontexts/libcomposeplatforminputcontextplugin.so",
        "PySide6/Qt/lib/libQt6Quick.so.6",  # the FFmpeg media plugin links it
        "PySide6/Qt/lib/libQt6Qml.so.6",
        "PySide6/Qt/lib/libQt6OpenGL.so.6",
        "PySide6/Qt/lib/libavcodec.so.63",
        "PySide6/QtMultimedia.abi3.so",
        "PySide6\\plugins\\platforms\\qwindows.dll",
        "PySide6/Qt/plugins/platforms/libqcocoa.dylib",
        "scenemaker_desktop/resources/icons/scenemaker-256.png",
        "libpython3.11.so.1.0",
    ],
)
def test_what_scenemaker_uses_stays(kept: str) -> None:
    assert not bundle_trim.leaves(kept)


@pytest.mark.parametrize(
    "dropped",
    [
        "PySide6/Qt/translations/qt_de.qm",
        "PySide6\\translations\\qtbase_fr.qm",
        "PySide6/Qt/qml/QtQuick/Controls/libqtquickcontrols2plugin.so",
        "PySide6/Qt/plugins/platforms/libqeglfs.so",
        "PySide6/Qt/plugins/platforms/libqvnc.so",
        "PySide6/Qt/plugins/imageformats/libqpdf.so",
        "PySide6\\plugins\\imageformats\\qpdf.dll",
        "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
        "PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
        "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so",
        "PySide6/Qt/plugins/tls/libqopensslbackend.so",
        "PySide6/Qt/plugins/qmltooling/libqmldbg_debugger.so",
        "PySide6/Qt/lib/libQt6Pdf.so.6",
        "PySide6/Qt/lib/libQt6VirtualKeyboard.so.6",
        "PySide6/Qt/lib/libQt6WebEngineCore.so.6",
        "imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v9.0.2",
    ],
)
def test_what_scenemaker_never_loads_goes(dropped: str) -> None:
    assert bundle_trim.leaves(dropped)


def entry(dest: str) -> tuple[str, str, str]:
    return (dest, f"/src/{dest}", "BINARY")


def test_libraries_only_dropped_plugins_link_go_with_them() -> None:
    gtk = entry("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    xcb = entry("PySide6/Qt/plugins/platforms/libqxcb.so")
    cairo, pango, x11 = entry("libcairo.so.2"), entry("libpango-1.0.so.0"), entry("libX11.so.6")
    links = {
        gtk[1]: [cairo[1], pango[1], x11[1]],
        pango[1]: [cairo[1]],
        xcb[1]: [x11[1]],
    }
    kept, removed = bundle_trim.trim([gtk, xcb, cairo, pango, x11], lambda s: links.get(s, []))
    assert kept == [xcb, x11]
    assert sorted(removed) == sorted([gtk, cairo, pango])


def test_what_only_ffmpeg_links_is_not_bundled() -> None:
    # ffmpeg runs as its own process on the system's libraries.
    ffmpeg, mvec, libm = entry("ffmpeg/ffmpeg"), entry("libmvec.so.1"), entry("libm.so.6")
    python = entry("libpython3.11.so.1.0")
    links = {ffmpeg[1]: [mvec[1], libm[1]], python[1]: [libm[1]]}
    kept, removed = bundle_trim.trim([ffmpeg, mvec, libm, python], lambda s: links.get(s, []))
    assert kept == [ffmpeg, libm, python]
    assert removed == [mvec]


@pytest.mark.parametrize(
    ("dest", "safe"),
    [
        ("libpython3.11.so.1.0", True),
        ("python3.11/lib-dynload/_decimal.cpython-311-x86_64-linux-gnu.so", True),
        ("cryptography/hazmat/bindings/_rust.abi3.so", True),
        ("PySide6/Qt/lib/libavformat.so.63", False),  # breaks when stripped
        ("PySide6/QtCore.abi3.so", False),
        ("PIL/_imaging.cpython-311-x86_64-linux-gnu.so", False),
        ("pillow.libs/libjpeg-6dc8d115.so.62.4.0", False),
        ("libssl.so.3", False),
        ("ffmpeg/ffmpeg", False),
    ],
)
def test_only_known_safe_binaries_are_stripped(dest: str, safe: bool) -> None:
    assert bundle_trim.strippable(dest) is safe
