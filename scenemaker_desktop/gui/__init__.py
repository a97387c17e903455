"""The desktop app (PySide6). Importing it applies the binding work-arounds in qt_fixes."""

from scenemaker_desktop.gui import qt_fixes

qt_fixes.install()
