"""`shop diff A B`: what one stage adds to another, without the lessons around it.

A stage is a composition root, a topology and configs (docs/architecture.md §3), so the
difference between two stage directories is the architectural step. The lessons (README.md)
and Python's caches are left out: `diff -r` alone opens with hundreds of lines of README.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import click

from common.stages import REPO_ROOT, stage_names

EXCLUDED = ["README.md", "__pycache__", "*.pyc"]


def diff_command(old: str, new: str, colour: bool) -> list[str]:
    command = ["diff", "-ru"]
    for pattern in EXCLUDED:
        command += ["-x", pattern]
    if colour:
        command.append("--color=always")
    return [*command, old, new]


def _stage_dir(name: str) -> str:
    stage = name.rstrip("/").split("/")[-1]
    if stage not in stage_names():
        raise click.BadParameter(
            f"{name!r} is not a stage; stages are: {', '.join(stage_names())}",
            param_hint="A or B",
        )
    return stage


@click.command(short_help="Show what one stage adds to another (diff -ru).")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.option(
    "--color/--no-color",
    "colour",
    default=None,
    help="Colour the diff (default: when the output is a terminal).",
)
def diff(old: str, new: str, colour: bool | None) -> None:
    """Show what stage B adds to stage A: `diff -ru` of the two stage directories, without
    their lessons (README.md) and Python caches.

    \b
      shop diff stage01_single stage02_split
      shop diff stage03_cache stage04_cluster | less -R
    """
    if shutil.which("diff") is None:
        raise click.ClickException("`diff` is not installed (Debian: apt-get install diffutils)")
    use_colour = sys.stdout.isatty() if colour is None else colour
    command = diff_command(_stage_dir(old), _stage_dir(new), use_colour)
    done = subprocess.run(command, cwd=REPO_ROOT, check=False)
    # diff answers 1 when the directories differ, which is what was asked to see.
    if done.returncode > 1:
        raise SystemExit(done.returncode)
