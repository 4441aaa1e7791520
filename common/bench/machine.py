"""What a result was measured on: the machine and the code (figures mean little without)."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

import psutil

# What `shop bench` and `shop report` themselves write: changes there do not change the code
# that measured, so they do not make a tree dirty (else every second bench would refuse).
OUTPUT_PATHS = ("results/", "docs/results.md", "docs/bounds.md", "docs/img/")
DIRTY_PATHS_KEPT = 20


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe_machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu_model": cpu_model(),
        "logical_cpus": psutil.cpu_count(logical=True),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "kernel": platform.release(),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        # A busy machine gives slower, noisier numbers: recorded so a reader can tell.
        "load_average_at_start": [round(x, 2) for x in load],
    }


def dirty_paths(porcelain: str) -> list[str]:
    """Changed or untracked paths from ``git status --porcelain``, the harness's outputs left
    out (a rename counts by its new path)."""
    paths = []
    for line in porcelain.splitlines():
        if len(line) < 4:
            continue
        path = line[3:].split(" -> ")[-1].strip().strip('"')
        if not path.startswith(OUTPUT_PATHS):
            paths.append(path)
    return paths


def describe_commit(repo: Path) -> dict[str, Any]:
    def git(*args: str) -> str | None:
        done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
        return done.stdout if done.returncode == 0 else None

    status = git("status", "--porcelain", "--untracked-files=normal")
    changed = dirty_paths(status) if status is not None else []
    return {
        "commit": (git("rev-parse", "HEAD") or "").strip() or "unknown",
        # Dirty = changed or untracked files: the commit alone does not reproduce the result.
        # Unknown (no git): counted as dirty, the commit cannot vouch for the code.
        "dirty": status is None or bool(changed),
        "dirty_paths": changed[:DIRTY_PATHS_KEPT],
    }
