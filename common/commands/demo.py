"""`shop demo`: stage01's shop on SQLite and local files, seeded, nothing to install."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import click

from common.commands.data import run_seed, seed_options, size_from
from common.config import Settings
from common.runtime.demos import record_demo
from common.runtime.processes import listening_ports
from common.stages import REPO_ROOT

DEMO_STAGE = "stage01_single"
# A first look: a shop of 2,000 products is seeded in seconds (their pictures are drawn);
# `--products 10000` seeds the data set the stages are measured with.
DEMO_PRODUCTS = 2_000


def demo_environment(run_dir: Path) -> dict[str, str]:
    return {
        "SHOP_DATABASE_URL": f"sqlite:///{run_dir / 'shop.db'}",
        "SHOP_IMAGE_DIR": str(run_dir / "images"),
        "SHOP_SECRET_KEY": "demo-only-not-secret",
    }


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As gunicorn binds: connections of an earlier demo closing (TIME_WAIT) do not count.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def refuse_busy_port(port: int) -> None:
    """Stop before seeding if another program listens on the port: the demo would fail to
    bind it, and its readiness check would reach the other program instead."""
    if port_is_free(port):
        return
    free = next((p for p in range(port + 1, min(port + 100, 65536)) if port_is_free(p)), None)
    hint = (
        f"run the demo on a free port: `shop demo --port {free}` (with make: "
        f"`make demo PORT={free}`)"
        if free
        else "run the demo on another port: `shop demo --port PORT`"
    )
    raise click.ClickException(
        f"port {port} on 127.0.0.1 is already in use by another program (another shop?). "
        f"Stop that program, or {hint}."
    )


def wait_ready(url: str, process: subprocess.Popen[bytes], port: int, timeout: float = 30) -> None:
    """Until /readyz answers 200 from the demo's own server (it holds the port itself)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException("the demo server exited; see the messages above")
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200 and port in listening_ports(process.pid):
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise click.ClickException(f"the demo server did not become ready within {timeout:.0f} s")


@click.command(short_help="Run stage01 on SQLite, seeded: nothing to install.")
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    help="Port on 127.0.0.1.",
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / ".run" / "demo",
    show_default=True,
    help="Where the SQLite file and images go.",
)
@click.option("--reset", is_flag=True, help="Start from an empty database.")
@seed_options(products=DEMO_PRODUCTS)
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
    """Run stage01's shop on SQLite, seeded, at http://127.0.0.1:PORT (Ctrl-C stops it).

    Nothing to install but the shop's Python packages: the database is a SQLite file and
    the images are files, under --run-dir. A second run reuses them (--reset starts over).
    """
    refuse_busy_port(port)
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
    # A SIGTERM (a terminal closed, `kill`) stops the demo like Ctrl-C: never an orphan server.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    record = record_demo(port, url, process.pid, run_dir)  # what `shop status` shows
    try:
        wait_ready(url, process, port)
        click.secho(f"\nThe shop is ready: {url}   (Ctrl-C to stop)", fg="green", bold=True)
        click.echo("Log in as user1@example.com / password123, or register your own account.")
        process.wait()
    except (KeyboardInterrupt, SystemExit):
        click.echo("\nStopping the demo ...")
    finally:
        record.unlink(missing_ok=True)
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
