"""An installed shop (the Docker image installs it with `pip install .`) has every file the
source tree has: templates, styles, the placeholder image, stage configs.

Built with setuptools' `build_py`, the step of a wheel build that collects packages and their
package data (pyproject.toml), from a copy of the tracked files: offline, under a second.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGED = ("common", "stage")  # pyproject.toml: packages.find include = ["common*", "stage*"]
NOT_READ_AT_RUN_TIME = {"README.md"}  # lessons and notes, read on GitHub


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "pyproject.toml", "README.md", "common", "stage*"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return listed


def test_the_installed_package_has_every_file_of_the_source_tree(tmp_path: Path) -> None:
    source, built = tmp_path / "source", tmp_path / "built"
    files = tracked_files()
    for name in files:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    build_py = ["-q", "build_py", "--build-lib", str(built)]
    subprocess.run(
        [sys.executable, "-W", "ignore", "-c", "from setuptools import setup; setup()", *build_py],
        cwd=source,
        capture_output=True,
        check=True,
    )
    expected = {
        name
        for name in files
        if name.startswith(PACKAGED) and Path(name).name not in NOT_READ_AT_RUN_TIME
    }
    packaged = {str(p.relative_to(built)) for p in built.rglob("*") if p.is_file()}
    assert "common/web/static/placeholder.svg" in expected
    assert sorted(expected - packaged) == []
