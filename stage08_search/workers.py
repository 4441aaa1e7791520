"""Stage 08's workers: stage07's, plus the catalog's outbox relay and the search indexer.

    python -m stage08_search.workers catalog-relay     catalog outbox -> shop.events
    python -m stage08_search.workers search-indexer    search-index: changed products -> index
    python -m stage08_search.workers order-relay | inventory-relay | payment-consumer |
                                     shipping-consumer | inventory-consumer   (stage07's)

Every one of them declares the search indexer's queue too (``search=True``): a relay declares
the queues before it publishes, so no ProductChanged or StockChanged is published before the
queue that wants it exists, whichever process starts first.

The search indexer reads the changed products back from the services, as the web tier does
(the catalog service's primary-backed batch read, the inventory's stock levels: one call each
per thousand ids), and writes their current state to the index (IndexFollower).
"""

from __future__ import annotations

import sys

from common.adapters.http.catalog import ServicesCatalogReader
from common.adapters.http.inventory import InventoryClient
from common.adapters.search import search_client
from common.adapters.search.follower import IndexFollower
from common.adapters.search.indexer import SearchIndexer
from common.config import Settings
from common.messaging import handlers, topology
from common.messaging.consumer import Handler
from common.rpc.clients import ServiceClients
from stage07_mq.workers import (
    consumer,
    inventory_handler,
    main,
    payments_handler,
    relay,
    shipping_handler,
)

# A bulk write of up to a thousand documents may take a while on a busy server; a timeout
# is a failed message, which the queue retries.
INDEX_TIMEOUT_S = 30.0


def shop_queues(settings: Settings) -> list[topology.QueueSpec]:
    return topology.shop_queues(settings.mq_retry_delays_ms, search=True)


def _search_indexer(settings: Settings) -> Handler:
    clients = ServiceClients(settings, issuer="search-indexer")
    reader = ServicesCatalogReader(clients["catalog"], InventoryClient(clients["inventory"]))
    indexer = SearchIndexer(search_client(settings, timeout=INDEX_TIMEOUT_S))
    return handlers.index_products(IndexFollower(reader, indexer).follow)


WORKERS = {
    "order-relay": relay("order-relay", shop_queues),
    "inventory-relay": relay("inventory-relay", shop_queues),
    "catalog-relay": relay("catalog-relay", shop_queues),
    "payment-consumer": consumer(topology.PAYMENTS, payments_handler, shop_queues),
    "shipping-consumer": consumer(topology.SHIPPING, shipping_handler, shop_queues),
    "inventory-consumer": consumer(topology.INVENTORY, inventory_handler, shop_queues),
    "search-indexer": consumer(topology.SEARCH_INDEX, _search_indexer, shop_queues),
}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], WORKERS, "stage08_search.workers"))
