"""What the packaged app leaves out of PySide6, as data (build.spec applies it).

PyInstaller's Qt hooks collect every plugin of every Qt module we import, every
translation, and the libraries those plugins link. SceneMaker needs a window
(xcb, wayland, offscreen for the smoke check, windows, cocoa), images, SVG
icons, input methods and Qt Multimedia's FFmpeg plugin; the rest is weight.
Kept on purpose: Quick, Qml, QmlModels, QmlMeta, QmlWorkerScript and OpenGL,
which the FFmpeg media plugin links against even though we load no QML.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

# Plugin folders SceneMaker never loads: kiosk input devices, network-status probes,
# Qt's TLS (our HTTP is Python's), QML tooling, printing, sensors, 3D, maps...
DROP_PLUGIN_FOLDERS = frozenset({
    "generic", "egldeviceintegrations", "networkinformation", "tls", "qmltooling",
    "wayland-graphics-integration-server", "position", "sensors", "sqldrivers",
    "printsupport", "canbus", "designer", "geoservices", "renderers", "sceneparsers",
    "assetimporters", "geometryloaders", "renderplugins", "scxmldatamodel", "texttospeech",
    "webview", "vectorimageformats", "virtualkeyboard",
})  # fmt: skip

# Single plugins: framebuffer/VNC/EGL-only platforms; PDF, TGA and WBMP readers;
# the virtual keyboard (it needs QML); the GTK3 theme, which would load the user's
# GTK on top of the build machine's cairo and pango (we draw our own Fusion theme;
# file dialogs still go native through the xdg-desktop-portal theme).
DROP_PLUGINS = {
    "platforms": frozenset({
        "qeglfs", "qlinuxfb", "qminimal", "qminimalegl", "qvnc", "qvkkhrdisplay", "qdirect2d",
    }),
    "imageformats": frozenset({"qpdf", "qtga", "qwbmp"}),
    "platformthemes": frozenset({"qgtk3"}),
    "platforminputcontexts": frozenset({"qtvirtualkeyboardplugin"}),
}  # fmt: skip

# Qt libraries that only dropped plugins or unused modules link against.
DROP_QT_LIBS = (
    "Qt6Pdf", "Qt6VirtualKeyboard", "Qt6EglFSDeviceIntegration", "Qt6EglFsKms",
    "Qt6WebEngine", "Qt63D", "Qt6Quick3D", "Qt6QuickControls2", "Qt6QuickTemplates2",
    "Qt6QuickDialogs2", "Qt6QuickLayouts", "Qt6QmlCompiler", "Qt6Designer", "Qt6Lottie",
    "Qt6Labs", "Qt6Charts", "Qt6DataVisualization", "Qt6Graphs", "Qt6Location",
    "Qt6Positioning", "Qt6Sensors", "Qt6TextToSpeech", "Qt6Bluetooth", "Qt6Nfc",
    "Qt6SerialPort", "Qt6Test", "Qt6Help", "Qt6Sql", "Qt6PrintSupport", "Qt6WaylandCompositor",
)  # fmt: skip

# Python modules nothing in SceneMaker imports; excluded so their hooks pull no Qt parts.
EXCLUDED_MODULES = (
    "tkinter", "_tkinter", "pydoc_data", "lib2to3", "pytest", "_pytest", "pytestqt",
    "pygments",  # only httpx's command-line tool uses it, and httpx imports that optionally
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2", "PySide6.QtWebEngineCore", "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick", "PySide6.QtWebChannel", "PySide6.QtWebSockets",
    "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DExtras", "PySide6.QtCharts",
    "PySide6.QtDataVisualization", "PySide6.QtGraphs", "PySide6.QtPdf", "PySide6.QtPdfWidgets",
    "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtHelp", "PySide6.QtSql",
    "PySide6.QtTest", "PySide6.QtLocation", "PySide6.QtPositioning", "PySide6.QtBluetooth",
    "PySide6.QtSensors", "PySide6.QtSerialPort", "PySide6.QtTextToSpeech",
    "PySide6.QtSpatialAudio", "PySide6.QtRemoteObjects", "PySide6.QtScxml",
    "PySide6.QtStateMachine", "PySide6.QtHttpServer", "PySide6.QtNetworkAuth",
    "PySide6.QtOpenGLWidgets", "PySide6.QtPrintSupport", "PySide6.QtAxContainer",
)  # fmt: skip


def _parts(dest_name: str) -> tuple[str, ...]:
    return PurePosixPath(dest_name.replace("\\", "/")).parts


def _stem(filename: str) -> str:
    stem = filename.split(".")[0]
    return stem[3:] if stem.startswith("lib") else stem


def qt_plugin(dest_name: str) -> tuple[str, str] | None:
    """(folder, name) of a bundled Qt plugin, e.g. ('platforms', 'qxcb'); else None."""
    parts = _parts(dest_name)
    if "plugins" not in parts[:-1]:
        return None
    index = parts.index("plugins")
    if len(parts) < index + 3:
        return None
    return parts[index + 1], _stem(parts[-1])


def dropped(dest_name: str) -> bool:
    """True for a bundled file (path inside the bundle) SceneMaker does not need."""
    parts = _parts(dest_name)
    if not parts or parts[0] != "PySide6":
        return False
    if "translations" in parts or "qml" in parts:
        return True  # SceneMaker speaks English only and loads no QML
    plugin = qt_plugin(dest_name)
    if plugin is not None:
        folder, name = plugin
        return folder in DROP_PLUGIN_FOLDERS or name in DROP_PLUGINS.get(folder, ())
    return _stem(parts[-1]).startswith(DROP_QT_LIBS)


def is_wheel_ffmpeg(dest_name: str) -> bool:
    """imageio-ffmpeg's copy of ffmpeg; the bundle carries one under ffmpeg/ instead."""
    parts = _parts(dest_name)
    return parts[:2] == ("imageio_ffmpeg", "binaries") and parts[-1].startswith("ffmpeg-")


def is_program(dest_name: str) -> bool:
    """A bundled program we start as a child process (ffmpeg), not a library we load."""
    parts = _parts(dest_name)
    return (len(parts) == 2 and parts[0] == "ffmpeg") or is_wheel_ffmpeg(dest_name)


def leaves(dest_name: str) -> bool:
    """True for a bundled file the trimmed bundle leaves out."""
    return dropped(dest_name) or is_wheel_ffmpeg(dest_name)


TocEntry = tuple[str, str, str]  # PyInstaller's (name in bundle, source path, kind)


def trim(
    binaries: list[TocEntry], imports_of: Callable[[str], Iterable[str]]
) -> tuple[list[TocEntry], list[TocEntry]]:
    """Split ``binaries`` into (kept, removed): the dropped files plus what only they link.

    A library counts as linked only by dropped files when it is reachable from a
    dropped file and from no kept one (``imports_of(source)`` gives the resolved
    paths a binary links). The GTK theme plugin, for one, brings cairo, pango and
    atk from the build machine; once it goes, they go. imageio-ffmpeg's copy of
    ffmpeg goes too: the bundle carries its own under ffmpeg/. Both copies run as
    their own process with the system's libraries (frozen.py gives back the user's
    library path), so what they link is never a reason to keep a library.
    """
    removed = [e for e in binaries if leaves(e[0])]
    rest = [e for e in binaries if not leaves(e[0])]
    by_source = {os.path.realpath(e[1]): e for e in rest}

    def reach(starts: Iterable[TocEntry]) -> set[str]:
        seen: set[str] = set()
        todo = [os.path.realpath(e[1]) for e in starts]
        while todo:
            for path in imports_of(todo.pop()):
                real = os.path.realpath(path)
                if real in by_source and real not in seen:
                    seen.add(real)
                    todo.append(real)
        return seen

    programs = [e for e in rest if is_program(e[0])]
    candidates = reach([*removed, *programs])
    roots = [e for src, e in by_source.items() if src not in candidates and not is_program(e[0])]
    needed = reach(roots)
    orphans = {src for src in candidates if src not in needed}
    kept = [e for e in rest if os.path.realpath(e[1]) not in orphans]
    removed += [e for e in rest if os.path.realpath(e[1]) in orphans]
    return kept, removed


def strippable(dest_name: str) -> bool:
    """Whether stripping debug symbols from this bundled binary is known to be safe.

    Only libpython and Python extension modules built without vendored libraries:
    Qt's libraries (and the auditwheel-patched ones in PIL/ and *.libs/) break when
    stripped ("ELF load command address/offset not page-aligned"), and the system
    libraries PyInstaller copies are stripped already.
    """
    parts = _parts(dest_name)
    if not parts or parts[0] in ("PySide6", "PIL", "ffmpeg") or parts[0].endswith(".libs"):
        return False
    name = parts[-1]
    return name.startswith("libpython") or ".cpython-" in name or name.endswith(".abi3.so")
