"""`shop mq`: look into a running stage's message broker, and act on its dead letters.

    shop mq queues STAGE [--watch]                   depth, consumers and rates of every queue
    shop mq dead-letters list STAGE [--queue Q]      what failed, why, how many times
    shop mq dead-letters show STAGE MESSAGE_ID       one dead letter in full (its event's JSON)
    shop mq dead-letters replay STAGE (ID... | --all) [--queue Q]
    shop mq throughput STAGE [--messages N]          publisher-confirm and consumer ceilings
    shop mq reconcile STAGE [--wait S]               oversold? lost? charged twice? (after a run)

The broker is the stage's service with role `broker` (compose.yaml); queue figures come from
its management API (port 15672 mapped in compose.yaml), dead letters over AMQP.
"""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
from pika.adapters.blocking_connection import BlockingChannel
from rich.console import Console
from rich.live import Live
from rich.table import Table

from common.commands.running import open_running_stage as running
from common.messaging import dead_letters
from common.messaging.connection import BROKER_ERRORS, close_quietly, open_channel
from common.messaging.dead_letters import DeadLetter
from common.messaging.management import QueueStats, queue_stats
from common.messaging.topology import QueueSpec, by_name, shop_queues
from common.runtime import roles
from common.services.reconciliation import Report

AMQP_PORT = 5672
MANAGEMENT_PORT = 15672


@dataclass(frozen=True)
class StageBroker:
    stage: str
    service: str
    amqp_url: str
    management_url: str | None
    user: str
    password: str
    vhost: str
    search: bool = False  # the stage runs a search indexer (stage08 on): its queue too


def stage_broker(stage: str) -> StageBroker:
    """The running stage's broker, as the runner started it."""
    supervisor, state = running(stage)
    try:
        name = roles.require(supervisor.stage, "broker")[0]
    except roles.RoleError as exc:
        raise click.ClickException(f"{exc} (message queues arrive in stage07_mq)") from exc
    service = state.services[name]
    env = service.env
    user = env.get("RABBITMQ_DEFAULT_USER", "guest")
    password = env.get("RABBITMQ_DEFAULT_PASS", "guest")
    vhost = env.get("RABBITMQ_DEFAULT_VHOST", "/")
    management = service.ports.get(MANAGEMENT_PORT)
    return StageBroker(
        stage=state.stage,
        service=name,
        amqp_url=(
            f"amqp://{user}:{password}@127.0.0.1:{service.ports[AMQP_PORT]}/"
            + ("%2F" if vhost == "/" else vhost)
        ),
        management_url=f"http://127.0.0.1:{management}" if management else None,
        user=user,
        password=password,
        vhost=vhost,
        search=bool(roles.services_with_role(supervisor.stage, "search")),
    )


@contextmanager
def broker_channel(broker: StageBroker) -> Iterator[BlockingChannel]:
    """A confirming channel on the stage's broker (nothing declared but the exchange)."""
    connection = None
    try:
        connection, channel = open_channel(broker.amqp_url, [])
        yield channel
    except BROKER_ERRORS as exc:
        raise click.ClickException(
            f"the broker {broker.service} of {broker.stage} cannot be reached ({exc!r}): "
            f"is it up? `shop status {broker.stage}`, `shop chaos revive-broker {broker.stage}`"
        ) from exc
    finally:
        close_quietly(connection)


def _queues(broker: StageBroker, queue: str | None) -> list[QueueSpec]:
    specs = shop_queues(search=broker.search)
    if queue is None:
        return specs
    try:
        return [by_name(specs, queue)]
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="--queue") from exc


queue_option = click.option(
    "--queue",
    default=None,
    metavar="QUEUE",
    help="Only this consumer queue: payments, shipping, inventory or search-index "
    "(stage08 on; default: all).",
)


@click.group(short_help="Look into a stage's message broker (stage07 on).")
def mq() -> None:
    """Look into a running stage's message broker (stage07_mq on).

    \b
      shop mq queues stage07_mq --watch               depths and consumers, live
      shop mq dead-letters list stage07_mq            what failed, and why
      shop mq dead-letters replay stage07_mq --all    send them back to their queues
    """


# ---- queues ----------------------------------------------------------------------------------


def stats_table(stats: list[QueueStats], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("queue", "ready", "unacked", "consumers", "in/s", "acked/s"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for s in stats:
        dead = s.name.endswith(".dead") and s.depth > 0
        table.add_row(
            f"[red]{s.name}[/red]" if dead else s.name,
            str(s.ready),
            str(s.unacked),
            str(s.consumers),
            f"{s.in_rate:.1f}",
            f"{s.ack_rate:.1f}",
        )
    return table


def read_stats(broker: StageBroker) -> list[QueueStats]:
    if broker.management_url is None:
        raise click.ClickException(
            f"{broker.service} of {broker.stage} has no management API: map port "
            f"{MANAGEMENT_PORT} in its compose.yaml"
        )
    try:
        return queue_stats(broker.management_url, broker.user, broker.password, broker.vhost)
    except (urllib.error.URLError, OSError) as exc:
        raise click.ClickException(
            f"the management API of {broker.service} cannot be reached ({exc}): is the broker "
            f"up? `shop status {broker.stage}`"
        ) from exc


@mq.command("queues", short_help="Depth, consumers and rates of every queue.")
@click.argument("stage")
@click.option("--watch", is_flag=True, help="Refresh every --interval seconds until Ctrl-C.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(min=0.2))
@click.option("--json", "as_json", is_flag=True, help="One JSON reading instead of a table.")
def queues(stage: str, watch: bool, interval: float, as_json: bool) -> None:
    """Every queue of STAGE's broker: messages ready and unacknowledged, consumers, rates.

    A consumer queue whose consumers column drops to 0 has lost its worker (`shop chaos
    revive-worker`); a `.retry.` queue holds messages waiting for their next attempt; a
    `.dead` queue in red holds dead letters (`shop mq dead-letters list`).
    """
    broker = stage_broker(stage)
    if as_json:
        click.echo(json.dumps([vars(s) | {"depth": s.depth} for s in read_stats(broker)]))
        return
    console = Console()
    if not watch:
        console.print(
            stats_table(read_stats(broker), f"{broker.stage}: queues of {broker.service}")
        )
        return
    with Live(console=console, auto_refresh=False) as live:
        try:
            while True:
                try:
                    table = stats_table(
                        read_stats(broker), f"{broker.stage} {time.strftime('%H:%M:%S')}"
                    )
                    live.update(table, refresh=True)
                except click.ClickException as exc:  # the broker is down: say so, keep going
                    live.update(f"{time.strftime('%H:%M:%S')} {exc.message}", refresh=True)
                time.sleep(interval)
        except KeyboardInterrupt:
            pass


# ---- dead letters ------------------------------------------------------------------------------


@mq.group("dead-letters", short_help="List, show and replay dead letters.")
def dead_letters_group() -> None:
    """List, inspect and replay the messages every attempt failed for."""


@dead_letters_group.command("list", short_help="The dead letters, oldest first.")
@click.argument("stage")
@queue_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="JSON lines instead of a table.")
def list_letters(stage: str, queue: str | None, limit: int, as_json: bool) -> None:
    """The dead letters of STAGE, oldest first (they stay in their queue)."""
    broker = stage_broker(stage)
    console = Console()
    with broker_channel(broker) as channel:
        for spec in _queues(broker, queue):
            total = dead_letters.count(channel, spec)
            letters = dead_letters.browse(channel, spec, limit)
            if as_json:
                for letter in letters:
                    click.echo(json.dumps(letter.to_json()))
                continue
            table = Table(title=f"{spec.dead_letters}: {total}", title_justify="left")
            for column in ("message id", "event", "attempts", "failed at", "error"):
                table.add_column(column)
            for letter in letters:
                table.add_row(
                    letter.message_id,
                    letter.event_type,
                    str(letter.attempts)
                    + (f" (replayed {letter.replayed})" if letter.replayed else ""),
                    letter.failed_at,
                    letter.error,
                )
            console.print(table)
            if total > len(letters):
                console.print(f"... and {total - len(letters)} more (--limit)")
    if not as_json:
        console.print(f"One in full: shop mq dead-letters show {stage} MESSAGE_ID")


def _find(channel: BlockingChannel, specs: list[QueueSpec], message_id: str) -> DeadLetter:
    for spec in specs:
        for letter in dead_letters.browse(channel, spec, dead_letters.count(channel, spec)):
            if letter.message_id == message_id:
                return letter
    raise click.ClickException(f"no dead letter {message_id!r}: `shop mq dead-letters list`")


@dead_letters_group.command("show", short_help="One dead letter in full.")
@click.argument("stage")
@click.argument("message_id")
@queue_option
def show_letter(stage: str, message_id: str, queue: str | None) -> None:
    """One dead letter of STAGE in full: its headers and its event, as JSON."""
    broker = stage_broker(stage)
    with broker_channel(broker) as channel:
        letter = _find(channel, _queues(broker, queue), message_id)
    click.echo(json.dumps(letter.to_json(), indent=2))


@dead_letters_group.command("replay", short_help="Send dead letters back to their queue.")
@click.argument("stage")
@click.argument("message_ids", nargs=-1)
@click.option("--all", "replay_all", is_flag=True, help="Every dead letter (of --queue).")
@queue_option
def replay_letters(
    stage: str, message_ids: tuple[str, ...], replay_all: bool, queue: str | None
) -> None:
    """Send dead letters of STAGE back to their queue, at attempt 1: the MESSAGE_IDS given,
    or --all. Fix what made them fail first, or they come back here after their retries."""
    if bool(message_ids) == replay_all:
        raise click.UsageError("give MESSAGE_IDS or --all (one of them)")
    broker = stage_broker(stage)
    wanted = None if replay_all else set(message_ids)
    done: list[str] = []
    with broker_channel(broker) as channel:
        for spec in _queues(broker, queue):
            total = dead_letters.count(channel, spec)
            if total == 0:
                continue
            replayed = dead_letters.replay(channel, spec, wanted, limit=total)
            for message_id in replayed:
                click.echo(f"{spec.dead_letters} -> {spec.name}: {message_id}")
            done += replayed
    missing = sorted(wanted - set(done)) if wanted is not None else []
    click.echo(f"replayed {len(done)} dead letter(s)")
    if missing:
        raise click.ClickException(f"not found among the dead letters: {', '.join(missing)}")


# ---- reconciliation ------------------------------------------------------------------------------


@mq.command("reconcile", short_help="Oversold? Lost? Charged twice? After a run.")
@click.argument("stage")
@click.option(
    "--wait",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    help="First wait until no order is pending and no event unsent (the queues drained).",
)
@click.option("--json", "as_json", is_flag=True, help="The report as one JSON object.")
def reconcile_command(stage: str, wait: float, as_json: bool) -> None:
    """Compare STAGE's orders, stock, payments and shipments, each in its own database:
    units oversold, orders lost (still pending, events unsent), charges twice or for nothing,
    paid orders not charged or not shipped, and accept-to-paid times. Exits 1 when
    something was oversold, lost or charged wrongly (a benchmark calls it after a run)."""
    from common.stages import composition_root

    _supervisor, state = running(stage)
    build = getattr(composition_root(stage), "build_reconciliation", None)
    if build is None:
        raise click.ClickException(f"{stage} offers no reconciliation (stage07_mq does)")
    report = build(lambda service: state.services[service].env).report(wait_seconds=wait)
    if as_json:
        click.echo(json.dumps(report.to_json()))
    else:
        _print_report(report)
    if not report.clean:
        raise SystemExit(1)


def _print_report(report: Report) -> None:
    times = report.accept_to_paid_seconds
    rows = [
        ("orders", ", ".join(f"{n} {status}" for status, n in sorted(report.orders.items()))),
        (
            "oversold units",
            f"{report.oversold}  (negative stock: {report.negative_stock or 'none'})",
        ),
        ("lost: still pending", f"{report.lost}  {report.pending[:10] or ''}"),
        ("lost: events unsent", str(report.unsent_events)),
        ("charged twice", str(report.charged_twice)),
        (
            "charged, order not paid",
            f"{len(report.charged_not_paid)}  {report.charged_not_paid[:10] or ''}",
        ),
        (
            "paid, not charged",
            f"{len(report.paid_not_charged)}  {report.paid_not_charged[:10] or ''}",
        ),
        ("paid, not shipped", f"{len(report.unshipped)}  {report.unshipped[:10] or ''}"),
        ("shipped twice", str(report.shipped_twice)),
        (
            "accept -> paid",
            f"p50 {_ms(times.get('p50'))}, p99 {_ms(times.get('p99'))}, "
            f"max {_ms(times.get('max'))} over {times.get('count')} orders",
        ),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        click.echo(f"{name:<{width}}  {value}")
    click.echo("clean: nothing oversold, lost or charged wrongly" if report.clean else "NOT CLEAN")


def _ms(seconds: float | int | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f} ms"


def register(shop: click.Group) -> None:
    from common.commands.mq_chaos import COMMANDS as CHAOS_COMMANDS
    from common.commands.mq_throughput import throughput

    mq.add_command(throughput)
    shop.add_command(mq)
    chaos = shop.commands["chaos"]
    assert isinstance(chaos, click.Group)
    for command in CHAOS_COMMANDS:
        chaos.add_command(command)
