"""The line protocol between `shop bench` and its Locust driver subprocess.

The driver prints one ``BENCH {json}`` line per event on stdout; everything else it prints
is ignored. Kept apart from the driver so the parent never imports Locust (and gevent's
monkey patching).
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "BENCH "
WINDOW_START = "window_start"  # stats were just reset: the measured window begins
WINDOW_END = "window_end"  # stats were just snapshot: the window ends
RESULT = "result"  # the window's stats, see driver.stats_snapshot()


def encode(event: str, **fields: Any) -> str:
    return PREFIX + json.dumps({"event": event, **fields})


def decode(line: str) -> dict[str, Any] | None:
    """The event on a driver output line, or None for any other line."""
    if not line.startswith(PREFIX):
        return None
    try:
        data = json.loads(line[len(PREFIX) :])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) and "event" in data else None
