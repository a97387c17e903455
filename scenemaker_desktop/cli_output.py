"""What every CLI command shares: its exit codes and the one JSON object it may end with."""

from __future__ import annotations

import json
import sys
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 130


def print_json(data: Any) -> None:
    """One JSON object on one line: with --json it is the last line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
