"""Checks shared by the runtime tests."""

from __future__ import annotations

import contextlib
import urllib.request

import psutil

from common.runtime.state import RunState


def live_pids(pids: list[int]) -> list[int]:
    """The pids that still belong to a running (non-zombie) process."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def process_tree_pids(state: RunState) -> list[int]:
    """Recorded pids plus their children (gunicorn workers, nginx workers)."""
    pids = []
    for service in state.services.values():
        pids.append(service.pid)
        with contextlib.suppress(psutil.NoSuchProcess):
            pids += [child.pid for child in psutil.Process(service.pid).children(recursive=True)]
    return pids


def http_get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode()
