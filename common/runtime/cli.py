"""`shop up | down | status | logs`: run a stage natively. `common/cli.py` calls register()."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from common.runtime.compose import load_stage
from common.runtime.demos import running_demos
from common.runtime.errors import RuntimeFailure
from common.runtime.launchers import mariadb_replication
from common.runtime.processes import tail
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor, running_stages

_EVENT_STYLE = {
    "starting": "cyan",
    "healthy": "green",
    "running": "green",
    "completed": "green",
    "stopping": "yellow",
    "stopped": "yellow",
    "failed": "red",
    "stale": "yellow",
    "progress": "dim",
    "retrying": "yellow",
}


def register(group: click.Group) -> None:
    """Add the native runner's commands to the `shop` group."""
    for command in (up, down, status, logs):
        group.add_command(command)


def _supervisor(stage_name: str, console: Console, cpus: str | None = None) -> Supervisor:
    def report(service: str, event: str, detail: str) -> None:
        style = _EVENT_STYLE.get(event, "default")
        console.print(f"  {service:<12} [{style}]{event:<9}[/] {escape(detail)}", highlight=False)

    try:
        stage = load_stage(stage_name)
    except RuntimeFailure as exc:
        raise click.ClickException(str(exc)) from exc
    return Supervisor(stage, cpus=cpus, reporter=report)


@click.command(short_help="Start a stage natively; wait until it is healthy.")
@click.argument("stage")
@click.option(
    "--timeout",
    default=180.0,
    show_default=True,
    metavar="SECONDS",
    help="Give up (and stop what was started) if not every server is healthy by then; "
    "one-shot jobs (seeding) may take longer, and show their progress.",
)
@click.option(
    "--cpus",
    metavar="LIST",
    help="CPUs the stage may use, e.g. 0 or 0-1 (default: $SHOP_STAGE_CPUS, else all); "
    "the compose cpusets are folded onto them.",
)
def up(stage: str, timeout: float, cpus: str | None) -> None:
    """Start STAGE natively (no Docker) from its compose.yaml and wait until it is healthy.

    STAGE is a stage directory name like stage01_single, or a path to a stage directory or
    compose file. Running it again on a running stage is harmless: it prints the URL.
    """
    console = Console()
    supervisor = _supervisor(stage, console, cpus)
    console.print(f"[bold]{supervisor.stage.name}[/]: starting in {supervisor.run_dir}")
    try:
        state = supervisor.up(timeout=timeout)
    except (RuntimeFailure, ValueError) as exc:
        raise click.ClickException(
            f"{exc}\n\nNothing started by this command is left running. Fix the cause, then "
            f"`shop up {stage}` again (`shop logs {stage}` shows all logs)."
        ) from exc
    for note in state.notes:
        console.print(f"  [dim]note: {note}[/]")
    if state.url:
        console.print(f"[bold green]{state.stage} is up:[/] {state.url}")
    else:
        console.print(f"[bold green]{state.stage} is up[/] (no published port)")


@click.command(short_help="Stop exactly what `shop up STAGE` started.")
@click.argument("stage")
@click.option("--purge", is_flag=True, help="Also delete data, volumes, logs and configs.")
def down(stage: str, purge: bool) -> None:
    """Stop every process `shop up STAGE` started (dependents first); keep data unless --purge."""
    console = Console()
    supervisor = _supervisor(stage, console)
    if supervisor.status() is None and not purge:
        console.print(f"{supervisor.stage.name} is not running")
        return
    try:
        supervisor.down(purge=purge)
    except RuntimeFailure as exc:
        raise click.ClickException(str(exc)) from exc
    console.print(f"[bold]{supervisor.stage.name}[/] stopped" + (" and purged" if purge else ""))


@click.command(short_help="Running stages: services, pids, ports, CPUs.")
@click.argument("stage", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the state as JSON (for scripts).")
def status(stage: str | None, as_json: bool) -> None:
    """Show running stages (or only STAGE): per service its role, kind, pid, status (running,
    down; completed or failed for a one-shot job), user, ports, CPUs and log."""
    if stage:
        supervisor = _supervisor(stage, Console(stderr=True))
        found = supervisor.status()
        states = [found] if found else []
    else:
        states = running_stages()
    if as_json:
        payload = [_status_json(state) for state in states]
        click.echo(json.dumps(payload[0] if stage and payload else payload, indent=2))
        return
    console = Console()
    demos = [] if stage else running_demos()
    for demo in demos:
        console.print(
            f"[bold]demo[/] (stage01 on SQLite, `shop demo`): {demo['url']}  pid {demo['pid']}"
            f"  data {demo['run_dir']}"
        )
    if not states:
        what = f"{stage} is not running" if stage else "no stage is running"
        if not demos:
            console.print(f"{what} (start one with `shop up STAGE`)")
        return
    for state in states:
        _print_state(console, state)


def _status_json(state: RunState) -> dict[str, object]:
    data = state.to_json()
    for name, service in state.services.items():
        data["services"][name]["alive"] = service.is_alive()
        data["services"][name]["status"] = service.status()
    return data


_STATUS_STYLE = {"running": "green", "completed": "green", "failed": "red", "down": "red"}


def _print_state(console: Console, state: RunState) -> None:
    table = Table(title=f"{state.stage}  {state.url or ''}", title_justify="left")
    for column in ("service", "role", "kind", "pid", "status", "user", "ports", "cpuset"):
        table.add_column(column)
    table.add_column("log", overflow="fold")
    for name, service in state.services.items():
        status = service.status()
        if service.one_shot and service.exit_code is not None:
            status += f" (exit {service.exit_code})"
        ports = " ".join(f"{c}->{h}" for c, h in sorted(service.ports.items()))
        table.add_row(
            name,
            service.role or "-",
            service.kind,
            str(service.pid or "-"),
            f"[{_STATUS_STYLE[service.status()]}]{status}[/]",
            service.user or "-",
            ports,
            service.cpuset or "all",
            service.log,
        )
    console.print(table)
    for line in mariadb_replication.summary(state):  # a stage with replicas: their lag
        console.print(f"replication: {line}")
    for note in state.notes:
        console.print(f"[dim]note: {note}[/]")
    if not state.all_up():
        console.print(
            f"[yellow]some services are down: `shop up {state.stage}` brings them back[/]"
        )


@click.command(short_help="A stage's logs, or one service's (-f follows).")
@click.argument("stage")
@click.argument("service", required=False)
@click.option("-n", "lines", default=50, show_default=True, help="Lines to show from the end.")
@click.option("-f", "follow", is_flag=True, help="Keep printing new lines (Ctrl-C to stop).")
def logs(stage: str, service: str | None, lines: int, follow: bool) -> None:
    """Show the log of SERVICE in STAGE, or of every service (each line prefixed by its name)."""
    supervisor = _supervisor(stage, Console(stderr=True))
    log_dir = supervisor.run_dir / "logs"
    known = ", ".join(supervisor.stage.services)
    if service and service not in supervisor.stage.services:
        raise click.ClickException(f"{stage} has no service {service!r} (services: {known})")
    names = [service] if service else list(supervisor.stage.services)
    paths = {name: log_dir / f"{name}.log" for name in names}
    if not any(path.exists() for path in paths.values()):
        what = f"{service!r} of {stage}" if service else stage
        raise click.ClickException(
            f"no log for {what} in {log_dir}: it has not been started here "
            f"(`shop up {supervisor.stage.name}` starts it; `shop status` shows what runs)"
        )
    if supervisor.status() is None:
        click.echo(f"({supervisor.stage.name} is not running: these are its last logs)", err=True)
    prefix = len(names) > 1
    for name, path in paths.items():
        if path.exists():
            for line in tail(path, lines).splitlines():
                click.echo(f"{name:<10}| {line}" if prefix else line)
    if follow:
        _follow(paths, prefix)


def _follow(paths: dict[str, Path], prefix: bool) -> None:
    offsets = {name: path.stat().st_size if path.exists() else 0 for name, path in paths.items()}
    try:
        while True:
            for name, path in paths.items():
                if not path.exists():
                    continue
                size = path.stat().st_size
                if size < offsets[name]:
                    offsets[name] = 0  # truncated (down --purge, new run)
                if size > offsets[name]:
                    with path.open("r", errors="replace") as handle:
                        handle.seek(offsets[name])
                        chunk = handle.read()
                        offsets[name] = handle.tell()
                    for line in chunk.splitlines():
                        click.echo(f"{name:<10}| {line}" if prefix else line)
            time.sleep(0.3)
    except KeyboardInterrupt:
        pass
