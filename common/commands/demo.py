"""`shop demo`: stage01's shop on SQLite and local files, seeded, nothing to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from common.commands.data import run_seed, seed_options, size_from
from common.config import Settings
from common.stages import REPO_ROOT

DEMO_STAGE = "stage01_single"


def demo_environment(run_dir: Path) -> dict[str, str]:
    return {
        "SHOP_DATABASE_URL": f"sqlite:///{run_dir / 'shop.db'}",
        "SHOP_IMAGE_DIR": str(run_dir / "images"),
        "SHOP_SECRET_KEY": "demo-only-not-secret",
    }


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException("the demo server exited; see the messages above")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the demo server did not become ready within {timeout:.0f} s")


@click.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / ".run" / "demo",
    show_default=True,
    help="Where the SQLite file and images go.",
)
@click.option("--reset", is_flag=True, help="Start from an empty database.")
@seed_options
def demo(
    port: int,
    run_dir: Path,
    reset: bool,
    products: int,
    categories: int,
    users: int,
    image_kb: int,
    seed_value: int,
) -> None:
    """Run stage01's shop on SQLite, seeded, at http://127.0.0.1:PORT (Ctrl-C stops it)."""
    if reset and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = demo_environment(run_dir)
    click.echo(f"Seeding the demo shop in {run_dir} ...")
    run_seed(
        DEMO_STAGE,
        Settings.from_env(env),
        size_from(products, categories, users, image_kb, seed_value),
    )

    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "8",
        f"{DEMO_STAGE}.app:create_app()",
    ]
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(command, cwd=REPO_ROOT, env={**os.environ, **env})
    try:
        wait_ready(url, process)
        click.secho(f"\nThe shop is ready: {url}   (Ctrl-C to stop)", fg="green", bold=True)
        click.echo("Log in as user1@example.com / password123, or register your own account.")
        process.wait()
    except KeyboardInterrupt:
        click.echo("\nStopping the demo ...")
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
