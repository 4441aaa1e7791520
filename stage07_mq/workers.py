"""Stage 07's workers: the outbox relays and the queue consumers, one process each.

    python -m stage07_mq.workers order-relay          orders outbox -> shop.events
    python -m stage07_mq.workers inventory-relay      inventory outbox -> shop.events
    python -m stage07_mq.workers payment-consumer     payments: settle(order_id)
    python -m stage07_mq.workers shipping-consumer    shipping: one shipment per paid order
    python -m stage07_mq.workers inventory-consumer   inventory: flash-sale counters := stock

Each reads its settings from the environment (compose.yaml), declares the broker's topology
when it connects (common/messaging/topology.py), reconnects with backoff when the broker goes
away and stops after the message in hand on SIGTERM (common/messaging/worker.py).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable

from common.adapters.events import InProcessBus
from common.adapters.flash_sale import StockCounters
from common.adapters.sql.engine import make_engine
from common.adapters.sql.inventory import IN_STOCK_LEVELS, SqlInventory
from common.adapters.sql.outbox import SqlOutbox, outbox
from common.adapters.sql.schema import INVENTORY_TABLES, create_schema
from common.adapters.sql.shipments import SHIPPING_TABLES, SqlShipments
from common.config import ConfigError, Settings
from common.messaging import handlers, topology
from common.messaging.consumer import Handler, QueueConsumer
from common.messaging.relay import OutboxRelay
from common.messaging.worker import configure_logging, run_consumer, run_relay, stop_on_signals
from stage06_services.wiring import own_database
from stage07_mq.order_service import build_orders, orders_database

log = logging.getLogger("stage07_mq.workers")


def _amqp_url(settings: Settings) -> str:
    if not settings.amqp_url:
        raise ConfigError("SHOP_AMQP_URL is not set: e.g. amqp://shop:secret@broker:5672/%2F")
    return settings.amqp_url


def shop_queues(settings: Settings) -> list[topology.QueueSpec]:
    """The queues this stage's processes declare (stage08's add its search indexer's)."""
    return topology.shop_queues(settings.mq_retry_delays_ms)


Queues = Callable[[Settings], list[topology.QueueSpec]]


def relay(name: str, queues: Queues = shop_queues) -> Callable[[Settings, threading.Event], None]:
    def run(settings: Settings, stop: threading.Event) -> None:
        engine = make_engine(settings.database_url, pool_size=2)
        create_schema(engine, [outbox])  # the service creates it too: whoever starts first
        rows = SqlOutbox(engine)
        run_relay(
            name,
            OutboxRelay(rows),
            rows,
            _amqp_url(settings),
            queues(settings),
            stop,
            poll_seconds=settings.outbox_poll_ms / 1000,
        )

    return run


def consumer(
    queue: str, build: Callable[[Settings], Handler], queues: Queues = shop_queues
) -> Callable[[Settings, threading.Event], None]:
    def run(settings: Settings, stop: threading.Event) -> None:
        declared = queues(settings)
        handler = build(settings)
        spec = topology.by_name(declared, queue)
        run_consumer(
            QueueConsumer(spec, handler, prefetch=settings.mq_prefetch),
            _amqp_url(settings),
            declared,
            stop,
        )

    return run


def payments_handler(settings: Settings) -> Handler:
    orders, _recovery = build_orders(settings, orders_database(settings), issuer="payment-consumer")
    return handlers.settle_orders(orders.settle)


def shipping_handler(settings: Settings) -> Handler:
    return handlers.ship_orders(SqlShipments(own_database(settings, SHIPPING_TABLES)))


def inventory_handler(settings: Settings) -> Handler:
    if not settings.flash_sale_redis_url:
        raise ConfigError("SHOP_FLASH_SALE_REDIS_URL is not set: the counters this consumer sets")
    inventory = SqlInventory(
        own_database(settings, INVENTORY_TABLES), InProcessBus(), stock=IN_STOCK_LEVELS
    )
    return handlers.reconcile_counters(
        inventory.levels, StockCounters.from_url(settings.flash_sale_redis_url)
    )


WORKERS: dict[str, Callable[[Settings, threading.Event], None]] = {
    "order-relay": relay("order-relay"),
    "inventory-relay": relay("inventory-relay"),
    "payment-consumer": consumer(topology.PAYMENTS, payments_handler),
    "shipping-consumer": consumer(topology.SHIPPING, shipping_handler),
    "inventory-consumer": consumer(topology.INVENTORY, inventory_handler),
}


def main(
    argv: list[str],
    workers: dict[str, Callable[[Settings, threading.Event], None]] = WORKERS,
    module: str = "stage07_mq.workers",
) -> int:
    if len(argv) != 1 or argv[0] not in workers:
        print(f"usage: python -m {module} {{{'|'.join(workers)}}}", file=sys.stderr)
        return 2
    configure_logging()
    stop = stop_on_signals()
    log.info("%s: starting", argv[0])
    workers[argv[0]](Settings.from_env(), stop)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
