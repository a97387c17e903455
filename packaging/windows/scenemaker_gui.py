"""Entry of the windowed SceneMakerApp.exe on Windows: always the desktop app.

Explorer's "Open with" passes the image as the only argument, which the CLI
would read as a command; this entry turns it into ``scenemaker gui IMAGE``.
"""

from __future__ import annotations

import sys

from scenemaker_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main(["gui", *sys.argv[1:2]]))
