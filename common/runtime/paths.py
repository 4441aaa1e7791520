"""Where the repository and the run directory are."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    # common/runtime/paths.py -> the repository root is two levels above `common`.
    return Path(__file__).resolve().parents[2]


def run_base_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """Base of all run directories: the argument, else $SHOP_RUN_DIR, else <repo>/.run."""
    if override is not None:
        return Path(override).resolve()
    env = os.environ.get("SHOP_RUN_DIR")
    if env:
        return Path(env).resolve()
    return repo_root() / ".run"
