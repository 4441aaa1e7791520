"""`shop chaos` for a stage with a message broker (stage07_mq on): kill and revive the broker
and the workers (the outbox relays and the queue consumers), and watch the queues.

    shop chaos workers STAGE                  the broker and every worker: up or down
    shop chaos kill-worker STAGE [WORKER]     SIGKILL a worker (a crash; --graceful: SIGTERM)
    shop chaos revive-worker STAGE [WORKER]   start it again (default: every dead worker)
    shop chaos kill-broker STAGE              SIGKILL the broker
    shop chaos revive-broker STAGE            start it again, wait until it takes connections
    shop chaos queues STAGE --watch           depths and consumer counts, live (= shop mq queues)

Workers are the services with role `worker`, the broker the one with role `broker`, in the
stage's compose.yaml. Added to the `chaos` group by common/commands/mq.py.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import click

from common.commands.mq import queues
from common.commands.running import open_running_stage as running
from common.runtime import roles
from common.runtime.errors import RuntimeFailure
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor


@dataclass
class Messaging:
    supervisor: Supervisor
    state: RunState
    broker: str
    workers: list[str]

    def alive(self, name: str) -> bool:
        return self.state.services[name].is_alive()


def open_messaging(stage: str) -> Messaging:
    supervisor, state = running(stage)
    try:
        broker = roles.require(supervisor.stage, "broker")[0]
    except roles.RoleError as exc:
        raise click.ClickException(f"{exc} (message queues arrive in stage07_mq)") from exc
    return Messaging(
        supervisor, state, broker, roles.services_with_role(supervisor.stage, "worker")
    )


def _pick(messaging: Messaging, name: str | None, alive: bool) -> str:
    candidates = [w for w in messaging.workers if messaging.alive(w) == alive]
    if name is None:
        if not candidates:
            state = "live" if alive else "dead"
            raise click.ClickException(f"no {state} worker in {messaging.state.stage}")
        return candidates[0]
    if name not in messaging.workers:
        raise click.ClickException(
            f"{name!r} is not a worker of {messaging.state.stage} (workers: "
            f"{', '.join(messaging.workers)})"
        )
    return name


def _now() -> str:
    return time.strftime("%H:%M:%S")


def _stop(messaging: Messaging, name: str, graceful: bool) -> None:
    pid = messaging.state.services[name].pid
    messaging.supervisor.stop_service(name, kill=not graceful)
    how = "SIGTERM, graceful" if graceful else "SIGKILL"
    click.echo(f"{_now()} stopped {name} (pid {pid}, {how})")


def _start(messaging: Messaging, name: str, timeout: float) -> None:
    began = time.monotonic()
    try:
        started = messaging.supervisor.start_service(name, timeout=timeout)
    except RuntimeFailure as exc:
        raise click.ClickException(f"{name} did not come back: {exc}") from exc
    click.echo(f"{_now()} {name} is back (pid {started.pid}) after {time.monotonic() - began:.1f}s")


graceful_option = click.option(
    "--graceful", is_flag=True, help="SIGTERM (finish the message in hand) instead of SIGKILL."
)
timeout_option = click.option(
    "--timeout", default=120.0, show_default=True, metavar="SECONDS", help="How long to wait."
)


@click.command("workers", short_help="The broker and every worker: up or down.")
@click.argument("stage")
def workers(stage: str) -> None:
    """The broker and every worker of STAGE: up or down, and their pids."""
    messaging = open_messaging(stage)
    for name in [messaging.broker, *messaging.workers]:
        service = messaging.state.services[name]
        role = "broker" if name == messaging.broker else "worker"
        state = f"up (pid {service.pid})" if service.is_alive() else "DOWN"
        click.echo(f"{name:24} {role:7} {state}")


@click.command("kill-worker", short_help="Kill a queue consumer or relay, as a crash.")
@click.argument("stage")
@click.argument("worker", required=False)
@graceful_option
def kill_worker(stage: str, worker: str | None, graceful: bool) -> None:
    """Kill a WORKER of STAGE (default: the first live one), as a crash would.

    A consumer killed holding messages it has not acked gets nothing acked: the broker
    delivers them again once the consumer is back, and its idempotent handler makes the
    repeat a no-op. A relay killed stops publishing: events wait in its outbox.
    """
    messaging = open_messaging(stage)
    name = _pick(messaging, worker, alive=True)
    if not messaging.alive(name):
        raise click.ClickException(f"{name} is down already (`shop chaos revive-worker`)")
    _stop(messaging, name, graceful)
    click.echo(f"Watch its queue: shop chaos queues {stage} --watch")
    click.echo(f"Bring it back:   shop chaos revive-worker {stage} {name}")


@click.command("revive-worker", short_help="Start dead workers again.")
@click.argument("stage")
@click.argument("worker", required=False)
@timeout_option
def revive_worker(stage: str, worker: str | None, timeout: float) -> None:
    """Start a dead WORKER of STAGE again (default: every dead worker)."""
    messaging = open_messaging(stage)
    dead = [w for w in messaging.workers if not messaging.alive(w)]
    names = [_pick(messaging, worker, alive=False)] if worker else dead
    if not names:
        click.echo(f"every worker of {stage} is up: {', '.join(messaging.workers)}")
    for name in names:
        if messaging.alive(name):
            click.echo(f"{name} is up already")
            continue
        _start(messaging, name, timeout)


@click.command("kill-broker", short_help="Kill the message broker.")
@click.argument("stage")
@graceful_option
def kill_broker(stage: str, graceful: bool) -> None:
    """Kill the message broker of STAGE.

    Orders are still accepted: each is stored with its OrderPlaced event in the order
    service's outbox, where the event waits. Consumers and relays reconnect, backing off,
    until the broker is back; then the waiting events flow and the orders are paid.
    """
    messaging = open_messaging(stage)
    if not messaging.alive(messaging.broker):
        raise click.ClickException(f"{messaging.broker} is down already")
    _stop(messaging, messaging.broker, graceful)
    click.echo(f"Place an order meanwhile: it answers 201 pending; `shop mq queues {stage}`")
    click.echo(f"Bring it back: shop chaos revive-broker {stage}")


@click.command("revive-broker", short_help="Start the broker again; wait until it is up.")
@click.argument("stage")
@timeout_option
def revive_broker(stage: str, timeout: float) -> None:
    """Start the message broker of STAGE again and wait until it takes connections. Its
    durable queues and persistent messages come back with it."""
    messaging = open_messaging(stage)
    if messaging.alive(messaging.broker):
        click.echo(f"{messaging.broker} is up already")
        return
    _start(messaging, messaging.broker, timeout)
    click.echo(f"Watch the backlog drain: shop chaos queues {stage} --watch")


COMMANDS = [workers, kill_worker, revive_worker, kill_broker, revive_broker, queues]
