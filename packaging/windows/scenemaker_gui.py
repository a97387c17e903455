"""Entry of the windowed SceneMakerApp.exe on Windows: always the desktop app.

Explorer's "Open with" passes the image as the only argument, which the CLI
would read as a command; this entry turns it into ``scenemaker gui IMAGE``. The
one exception is the app starting its own render workers (``_run-worker``), which
must not open a console window either.
"""

from __future__ import annotations

import sys

from scenemaker_desktop.cli import main
from scenemaker_desktop.frozen import WORKER_COMMAND

if __name__ == "__main__":
    worker = sys.argv[1:2] == [WORKER_COMMAND]
    sys.exit(main(sys.argv[1:] if worker else ["gui", *sys.argv[1:2]]))
