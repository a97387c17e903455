"""Light and dark themes: Fusion, a matching palette, and one style sheet with colour tokens.

The style sheet lives in resources/theme/app.qss; ``@name`` tokens in it are
replaced from the palettes below, so both themes share every rule. Icons are
stroke-only SVGs drawn in ``currentColor`` and tinted here to the theme's text.

Nothing here touches ``Qt`` or ``QStyle`` on the way to the first frame: PySide6
builds every Python enum of such a type on first use (the ``Qt`` namespace alone
is ~100 enums, ~30 ms), which would delay the window's first paint.
"""

from __future__ import annotations

import contextlib
import functools
import re
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QRectF, QSize
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
FUSION_PROPERTY = "scenemakerFusion"
"""Set on the QApplication once it runs the Fusion style every theme is drawn for."""

DARK = {
    "window": "#15171c",
    "card": "#1c1f26",
    "raised": "#252932",
    "input": "#20242c",
    "hover": "#2c313b",
    "pressed": "#343a46",
    "border": "#2c313b",
    "borderSoft": "#242830",
    "borderStrong": "#3d4451",
    "handle": "#e6e8ee",
    "text": "#e6e8ee",
    "muted": "#9aa1b2",
    "accent": "#5b8cff",
    "accentHover": "#7099ff",
    "accentSoft": "#24335a",
    "accentText": "#b9ccff",
    "danger": "#ff7070",
    "dangerSoft": "#3d2328",
    "success": "#4cc38a",
    "successSoft": "#1d3a2e",
    "warning": "#f0b35b",
    "warningSoft": "#3d3120",
}
LIGHT = {
    "window": "#eef0f4",
    "card": "#ffffff",
    "raised": "#ffffff",
    "input": "#f6f7f9",
    "hover": "#eceef2",
    "pressed": "#e0e3e9",
    "border": "#dcdfe5",
    "borderSoft": "#eceef2",
    "borderStrong": "#c3c8d1",
    "handle": "#ffffff",
    "text": "#1c1f26",
    "muted": "#636a7a",
    "accent": "#2f6feb",
    "accentHover": "#4680f0",
    "accentSoft": "#dde7fd",
    "accentText": "#1d4fb8",
    "danger": "#d64545",
    "dangerSoft": "#fbe3e3",
    "success": "#1f9d62",
    "successSoft": "#dcf3e8",
    "warning": "#a86c12",
    "warningSoft": "#fbefd9",
}


def resources_dir() -> Path:
    """The resources folder, wherever the app is installed (see ``resources_path``)."""
    from scenemaker_desktop.resources_path import resources_root

    return resources_root()


def system_variant() -> str:
    """The desktop's colour scheme, 'light' or 'dark' (light when the desktop does not say).

    The first call builds the ``Qt`` enums, so the app paints its first frame in the
    variant remembered from the last run and the window checks this right after.
    """
    from PySide6.QtCore import Qt

    scheme = QGuiApplication.styleHints().colorScheme()
    return "dark" if scheme == Qt.ColorScheme.Dark else "light"


def colours(variant: str) -> dict[str, str]:
    return DARK if variant == "dark" else LIGHT


def apply_theme(app: QApplication, name: str, system: str | None = None) -> str:
    """Style the whole app for ``name`` ('system', 'light' or 'dark'); returns the variant applied.

    ``system`` is the desktop's variant when the caller already knows (or guesses) it;
    otherwise 'system' asks the desktop (``system_variant``).
    """
    if name not in ("light", "dark"):
        name = "system"
    variant = name if name != "system" else (system or system_variant())
    variant = "dark" if variant == "dark" else "light"
    tokens = colours(variant)
    if app.property(FUSION_PROPERTY) is not True:
        # Not app.style().name(): that builds the QStyle enums. make_app starts on Fusion.
        app.setStyle("Fusion")
        app.setProperty(FUSION_PROPERTY, True)
    app.setPalette(_palette(tokens))
    app.setStyleSheet(_style_sheet(variant, tokens))
    app.setProperty("themeName", name)
    app.setProperty("themeVariant", variant)
    icon.cache_clear()
    _refresh_bound()
    return variant


# Icons are tinted when made, so widgets that outlive a theme switch register here and get
# fresh ones. Weak references: a closed window's buttons simply drop out.
_bound_icons: dict[int, tuple[weakref.ref, str, str, int]] = {}
_listeners: list[weakref.WeakMethod | weakref.ref] = []


def bind_icon(target: Any, name: str, colour: str = "text", size: int = 20) -> None:
    """Give ``target`` (a button or action) ``icon(name)``, re-tinted on every theme change."""
    target.setIcon(icon(name, colour, size))
    _bound_icons[id(target)] = (weakref.ref(target), name, colour, size)


def on_theme_change(callback: Callable[[], None]) -> None:
    """Call ``callback`` after each theme change while its owner is alive."""
    ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else weakref.ref(callback)
    _listeners.append(ref)


def _refresh_bound() -> None:
    for key, (ref, name, colour, size) in list(_bound_icons.items()):
        target = ref()
        if target is None:
            del _bound_icons[key]
            continue
        with contextlib.suppress(RuntimeError):  # the C++ side may already be gone
            target.setIcon(icon(name, colour, size))
    for ref in list(_listeners):
        callback = ref()
        if callback is None:
            _listeners.remove(ref)
            continue
        with contextlib.suppress(RuntimeError):
            callback()


def _palette(c: dict[str, str]) -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: c["window"],
        QPalette.ColorRole.WindowText: c["text"],
        QPalette.ColorRole.Base: c["input"],
        QPalette.ColorRole.AlternateBase: c["card"],
        QPalette.ColorRole.Text: c["text"],
        QPalette.ColorRole.Button: c["raised"],
        QPalette.ColorRole.ButtonText: c["text"],
        QPalette.ColorRole.Highlight: c["accent"],
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: c["raised"],
        QPalette.ColorRole.ToolTipText: c["text"],
        QPalette.ColorRole.PlaceholderText: c["muted"],
        QPalette.ColorRole.Link: c["accent"],
        QPalette.ColorRole.Mid: c["border"],
    }
    for role, value in roles.items():
        palette.setColor(role, QColor(value))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(c["muted"]))
    return palette


@functools.lru_cache(maxsize=4)
def _template() -> str:
    path = resources_dir() / "theme" / "app.qss"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def _style_sheet(variant: str, tokens: dict[str, str]) -> str:
    values = {
        **tokens,
        "icons": (resources_dir() / "icons").as_posix(),
        "variant": variant,
    }
    # Longest names first so @accentSoft is not read as @accent + "Soft".
    names = sorted(values, key=len, reverse=True)
    pattern = re.compile("@(" + "|".join(map(re.escape, names)) + ")")
    return pattern.sub(lambda m: values[m.group(1)], _template())


def current_colours() -> dict[str, str]:
    app = QApplication.instance()
    variant = app.property("themeVariant") if app is not None else None
    return colours(str(variant or "light"))


@functools.lru_cache(maxsize=256)
def icon(name: str, colour: str = "text", size: int = 20) -> QIcon:
    """A theme-tinted icon from resources/icons (an empty icon when the file is missing)."""
    path = resources_dir() / "icons" / f"{name}.svg"
    if not path.is_file():
        return QIcon()
    tint = current_colours().get(colour, colour)
    svg = path.read_text(encoding="utf-8").replace("currentColor", tint)
    result = QIcon()
    app = QGuiApplication.instance()
    # A 2x copy only where the screen needs it: each render costs startup time.
    ratio = app.devicePixelRatio() if app is not None else 1.0
    for scale in (1, 2) if ratio > 1 else (1,):
        result.addPixmap(_render_svg(svg, size * scale))
    return result


def _render_svg(svg: str, pixels: int) -> QPixmap:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    pixmap = QPixmap(QSize(pixels, pixels))
    pixmap.fill(QColor("transparent"))
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(0, 0, pixels, pixels))
    painter.end()
    return pixmap
