"""Stage 07 composition root, the web tier: stage06's, unchanged. The web nodes never talk to
the broker; what changed is behind the order service (order_service.py), which now answers
a checkout `pending`, and in the workers (workers.py).

    gunicorn 'stage06_services.app:create_app()'       (the web nodes, as compose.yaml says)

``build_reconciliation`` is this stage's own: `shop mq reconcile` and the tests compare the
orders, stock, payments and shipments databases after a run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from common.adapters.sql.engine import make_engine
from common.adapters.sql.reconciliation import SqlReconciliation
from stage06_services.app import build_operations, build_shop, create_app

# The services whose databases hold each context's facts (compose.yaml): one instance each.
FACT_SOURCES = {
    "orders": "order1",
    "inventory": "inventory1",
    "payments": "payment",
    "shipping": "shipping-consumer",
}


def build_reconciliation(environment: Callable[[str], Mapping[str, str]]) -> SqlReconciliation:
    """Read-only access to each context's database, with its own service's credentials
    (``environment(service)``: that service's environment as the runner started it)."""
    engines = {
        context: make_engine(environment(service)["SHOP_DATABASE_URL"], pool_size=1)
        for context, service in FACT_SOURCES.items()
    }
    return SqlReconciliation(**engines)


__all__ = ["build_operations", "build_reconciliation", "build_shop", "create_app"]
