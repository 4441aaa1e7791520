"""`shop mq throughput STAGE`: the ceilings the broker and the client put on the shop, measured
on the stage's own broker with the shop's own settings.

* **publisher confirms**: persistent messages published one at a time, each waiting for the
  broker's confirm, as the outbox relay does. An order publishes two messages through the
  order service's relay (OrderPlaced, OrderPaid), so one relay bounds the order rate at half
  this figure.
* **consumer**: the same messages consumed with manual acks and the stage's prefetch, with a
  handler that does nothing: the ceiling of the messaging alone. Real handlers (a payment
  over HTTP, a database transaction) are slower; their rate is the queue's acked/s in
  `shop mq queues` during a benchmark.

The messages go to a scratch queue of their own (deleted afterwards), never to the shop's.
Run it on a quiet stage: it competes with the shop for the broker's CPU.
"""

from __future__ import annotations

import json
import time
import uuid

import click
import pika
from pika.delivery_mode import DeliveryMode

from common.commands.mq import broker_channel, stage_broker

ORDER_MESSAGES_PER_RELAY = 2  # OrderPlaced and OrderPaid, through the order service's outbox
PAYLOAD = json.dumps(
    {"order_id": 1, "order_ref": "x" * 32, "user_id": 1, "total_cents": 1999, "lines": [[1, 1]]}
).encode()


@click.command("throughput", short_help="Publisher-confirm and consumer ceilings.")
@click.argument("stage")
@click.option("--messages", default=2_000, show_default=True, type=click.IntRange(min=1))
@click.option("--prefetch", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object.")
def throughput(stage: str, messages: int, prefetch: int, as_json: bool) -> None:
    """Publisher-confirm and consumer throughput of STAGE's broker, and the bound they put on
    orders per second (see `shop mq throughput --help` and stage07_mq/README.md)."""
    broker = stage_broker(stage)
    queue = f"throughput.{uuid.uuid4().hex[:8]}"
    with broker_channel(broker) as channel:
        channel.queue_declare(queue=queue, durable=True)
        try:
            properties = pika.BasicProperties(
                delivery_mode=DeliveryMode.Persistent, content_type="application/json"
            )
            began = time.perf_counter()
            for _ in range(messages):
                channel.basic_publish(
                    exchange="", routing_key=queue, body=PAYLOAD, properties=properties
                )
            published_s = time.perf_counter() - began

            channel.basic_qos(prefetch_count=prefetch)
            consumed = 0
            began = time.perf_counter()
            for method, _props, _body in channel.consume(queue, inactivity_timeout=5):
                if method is None:
                    break
                channel.basic_ack(delivery_tag=method.delivery_tag)
                consumed += 1
                if consumed == messages:
                    break
            consumed_s = time.perf_counter() - began
            channel.cancel()
        finally:
            channel.queue_delete(queue=queue)
    confirms = messages / published_s
    acks = consumed / consumed_s if consumed_s > 0 else 0.0
    figures = {
        "stage": broker.stage,
        "messages": messages,
        "prefetch": prefetch,
        "confirmed_per_second": round(confirms, 1),
        "consumed_per_second": round(acks, 1),
        "orders_per_second_bound_by_one_relay": round(confirms / ORDER_MESSAGES_PER_RELAY, 1),
        "consumed": consumed,
    }
    if as_json:
        click.echo(json.dumps(figures))
        return
    click.echo(
        f"{messages} persistent messages on {broker.service} of {broker.stage} "
        "(a scratch queue, deleted again):"
    )
    click.echo(f"  published with a confirm each: {confirms:,.0f} messages/s")
    click.echo(f"  consumed with manual acks (prefetch {prefetch}): {acks:,.0f} messages/s")
    click.echo(
        f"  one outbox relay publishes {ORDER_MESSAGES_PER_RELAY} messages per order: at most "
        f"{confirms / ORDER_MESSAGES_PER_RELAY:,.0f} orders/s through it"
    )
    if consumed < messages:
        raise click.ClickException(f"only {consumed} of {messages} messages came back")
