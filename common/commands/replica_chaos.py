"""`shop chaos` for a stage with read replicas (stage05): crash or delay a replica, crash the
primary, and see what each replica has applied.

    shop chaos replicas STAGE                 primary, replicas, their lag, the read counters
    shop chaos kill-replica STAGE [REPLICA]   SIGKILL one replica (a crash), e.g. under load
    shop chaos revive-replica STAGE [REPLICA] start it again; it catches up, then rejoins
    shop chaos lag-replica STAGE REPLICA SECONDS   apply each transaction SECONDS late
    shop chaos kill-primary STAGE             writes fail (503); reads go on from replicas
    shop chaos revive-primary STAGE

The primary and the replicas are the services with those roles (``x-shop: {role: primary}``,
``{role: replica}``, read through common/runtime/roles.py). A replica's state is read as
root (``SHOW SLAVE STATUS`` needs a monitoring privilege), with the root password of its
compose environment.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pymysql
import redis
from redis.exceptions import RedisError

from common.adapters.redis_counters import READS_KEY
from common.commands.running import open_running_stage
from common.runtime import roles
from common.runtime.errors import RuntimeFailure
from common.runtime.launchers import mariadb_replication
from common.runtime.state import RunState, ServiceState
from common.runtime.supervisor import Supervisor


@dataclass
class Databases:
    supervisor: Supervisor
    state: RunState
    primary: str
    replicas: list[str]

    def service(self, name: str) -> ServiceState:
        return self.state.services[name]

    def alive(self, name: str) -> bool:
        return self.service(name).is_alive()

    def root(self, name: str) -> pymysql.Connection:
        return mariadb_replication.root_connection(self.service(name))

    def pick_replica(self, name: str | None, *, alive: bool) -> str:
        candidates = [r for r in self.replicas if self.alive(r) == alive]
        if name is None:
            if not candidates:
                state = "live" if alive else "stopped"
                raise click.ClickException(f"no {state} replica in {self.state.stage}")
            return candidates[0]
        if name not in self.replicas:
            raise click.ClickException(
                f"{name!r} is not a replica of {self.state.stage} "
                f"(replicas: {', '.join(self.replicas)})"
            )
        return name


def open_databases(stage: str) -> Databases:
    supervisor, state = open_running_stage(stage)
    replicas = [
        n for n in roles.services_with_role(supervisor.stage, "replica") if n in state.services
    ]
    primaries = [
        n for n in roles.services_with_role(supervisor.stage, "primary") if n in state.services
    ]
    if not replicas or len(primaries) != 1:
        raise click.ClickException(
            f"{state.stage} has no primary with read replicas (services with `x-shop: {{role: "
            "primary}` and `{role: replica}`, e.g. stage05_rw_split)"
        )
    return Databases(supervisor, state, primaries[0], replicas)


def _record(databases: Databases, action: str, name: str, **details: Any) -> None:
    """Into the events file `shop chaos status` counts requests from (stage04's chaos)."""
    from common.commands.chaos import EVENTS_FILE  # here: chaos.py imports this module

    event = {"time": time.time(), "action": action, "node": name, **details}
    with (Path(databases.state.run_dir) / EVENTS_FILE).open("a") as events:
        events.write(json.dumps(event) + "\n")


def read_counters(databases: Databases) -> dict[str, int] | None:
    """The app processes' read counters, summed in the cache's Redis (READS_KEY)."""
    url = next(
        (
            s.env["SHOP_REDIS_URL"]
            for s in databases.state.services.values()
            if s.env.get("SHOP_REDIS_URL")
        ),
        None,
    )
    if url is None:
        return None
    try:
        client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        raw = client.hgetall(READS_KEY)
    except (RedisError, OSError):
        return None
    return {k.decode(): int(v) for k, v in raw.items()}  # type: ignore[union-attr]


# ---- the commands --------------------------------------------------------------------------


@click.command("replicas", short_help="The primary and replicas: position, lag, rotation.")
@click.argument("stage")
def replicas(stage: str) -> None:
    """Show STAGE's primary and replicas: what each replica has applied, its lag, and how
    the app's reads were served (replica or primary, read-your-writes waits and fallbacks)."""
    databases = open_databases(stage)
    for line in mariadb_replication.summary(databases.state):
        click.echo(f"  {line}")
    counters = read_counters(databases)
    if counters:
        click.echo(
            "Reads of GET requests since the stage started (every app process): "
            f"replicas {counters.get('replica_reads', 0)}, "
            f"primary {counters.get('primary_reads', 0)}; "
            f"read-your-writes: {counters.get('ryw_requests', 0)} requests, "
            f"{counters.get('ryw_waits', 0)} waits, {counters.get('ryw_fallbacks', 0)} "
            f"fell back to the primary; replica errors retried: "
            f"{counters.get('replica_errors', 0)}"
        )


@click.command("kill-replica")
@click.argument("stage")
@click.argument("replica", required=False)
@click.option("--graceful", is_flag=True, help="SIGTERM (a clean shutdown) instead of SIGKILL.")
def kill_replica(stage: str, replica: str | None, graceful: bool) -> None:
    """Kill one read replica of a running STAGE (SIGKILL: a crash). REPLICA defaults to the
    first live one. Reads that were on it are made again on another replica or on the
    primary; the app takes it out of rotation. `shop chaos revive-replica` brings it back."""
    databases = open_databases(stage)
    name = databases.pick_replica(replica, alive=True)
    if not databases.alive(name):
        raise click.ClickException(f"{name} is already down (`shop chaos revive-replica`)")
    pid = databases.service(name).pid
    _record(databases, "kill", name, pid=pid, graceful=graceful)
    databases.supervisor.stop_service(name, kill=not graceful)
    left = [r for r in databases.replicas if r != name and databases.alive(r)]
    click.echo(
        f"{time.strftime('%H:%M:%S')} killed {name} (pid {pid}, "
        f"{'SIGTERM' if graceful else 'SIGKILL'}); replicas left: {', '.join(left) or 'none'}"
        + ("" if left else " (every read now goes to the primary)")
    )
    click.echo(f"Did any request fail?  shop chaos status {stage}")
    click.echo(f"Bring it back:         shop chaos revive-replica {stage} {name}")


@click.command("revive-replica", short_help="Start a killed replica again; wait until healthy.")
@click.argument("stage")
@click.argument("replica", required=False)
@click.option("--timeout", default=120.0, show_default=True, metavar="SECONDS")
def revive_replica(stage: str, replica: str | None, timeout: float) -> None:
    """Start a killed replica of STAGE again and wait until it has caught up with the
    primary; the app puts it back in rotation at its next lag check."""
    databases = open_databases(stage)
    name = databases.pick_replica(replica, alive=False)
    if databases.alive(name):
        click.echo(f"{name} is up")
        return
    began = time.monotonic()
    try:
        databases.supervisor.start_service(name, timeout=timeout)
    except RuntimeFailure as exc:
        raise click.ClickException(f"{name} did not come back: {exc}") from exc
    _record(databases, "revive", name)
    click.echo(f"{name} is up after {time.monotonic() - began:.1f}s, catching up...")
    target = mariadb_replication.primary_position(databases.service(databases.primary))
    if target is None:
        click.echo("the primary is unreachable: nothing to catch up with")
        return
    with databases.root(name) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT MASTER_GTID_WAIT(%s, %s)", (str(target), timeout))
        row = cursor.fetchone()
    if row is None or row[0] != 0:
        raise click.ClickException(f"{name} did not catch up within {timeout:.0f}s")
    click.echo(
        f"{name} has applied everything the primary had ({target}) after "
        f"{time.monotonic() - began:.1f}s; it rejoins the rotation at the app's next lag check"
    )


@click.command("lag-replica", short_help="Delay a replica by SECONDS (MASTER_DELAY).")
@click.argument("stage")
@click.argument("replica")
@click.argument("seconds", type=click.IntRange(0, 3600))
def lag_replica(stage: str, replica: str, seconds: int) -> None:
    """Make REPLICA of STAGE apply every transaction SECONDS after the primary did
    (MariaDB's delayed replication, MASTER_DELAY); 0 removes the delay. A delay above the
    app's bound (SHOP_REPLICA_MAX_LAG_SECONDS, default 2) takes the replica out of rotation
    while writes flow; under it, read-your-writes waits for it or reads the primary."""
    databases = open_databases(stage)
    name = databases.pick_replica(replica, alive=True)
    with databases.root(name) as conn, conn.cursor() as cursor:
        cursor.execute("STOP SLAVE")  # MASTER_DELAY changes only with replication stopped
        cursor.execute(f"CHANGE MASTER TO MASTER_DELAY={int(seconds)}")
        cursor.execute("START SLAVE")
    _record(databases, "lag", name, seconds=seconds)
    if seconds:
        click.echo(f"{name} now applies each transaction {seconds}s after the primary")
        click.echo(f"Watch it: shop chaos replicas {stage}")
        click.echo(f"Undo it:  shop chaos lag-replica {stage} {name} 0")
    else:
        click.echo(f"{name} applies transactions as soon as it receives them again")


@click.command("kill-primary")
@click.argument("stage")
def kill_primary(stage: str) -> None:
    """Kill STAGE's primary (SIGKILL). There is no automatic failover in this stage: writes
    answer 503 until `shop chaos revive-primary`; reads go on from the replicas."""
    databases = open_databases(stage)
    if not databases.alive(databases.primary):
        raise click.ClickException(f"{databases.primary} is already down")
    pid = databases.service(databases.primary).pid
    _record(databases, "kill", databases.primary, pid=pid, graceful=False)
    databases.supervisor.stop_service(databases.primary, kill=True)
    click.echo(f"{time.strftime('%H:%M:%S')} killed the primary {databases.primary} (pid {pid})")
    click.echo("Writes (sign-in, cart, checkout) now answer 503; browsing goes on from replicas.")
    click.echo(f"Bring it back: shop chaos revive-primary {stage}")


@click.command("revive-primary", short_help="Start the primary again; replicas reconnect.")
@click.argument("stage")
@click.option("--timeout", default=120.0, show_default=True, metavar="SECONDS")
def revive_primary(stage: str, timeout: float) -> None:
    """Start STAGE's primary again; the replicas reconnect to it by themselves."""
    databases = open_databases(stage)
    try:
        databases.supervisor.start_service(databases.primary, timeout=timeout)
    except RuntimeFailure as exc:
        raise click.ClickException(f"{databases.primary} did not come back: {exc}") from exc
    _record(databases, "revive", databases.primary)
    click.echo(
        f"{databases.primary} is back; the replicas reconnect within their retry interval "
        "(10 s): `shop chaos replicas` shows them"
    )


COMMANDS = (replicas, kill_replica, revive_replica, lag_replica, kill_primary, revive_primary)
