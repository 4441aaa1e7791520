"""A business service's readiness, as the web tier's /readyz reports it.

Every service is something the shop can partly do without, so a service down is *degraded*
(200, named in /readyz), never *failing*: nginx does not route on /readyz, and taking web
nodes out because the payment service is down would take browsing down with it, which is
exactly what the split is meant to prevent. The message says what customers notice.
"""

from __future__ import annotations

from collections.abc import Sequence

from common.ports import Degraded
from common.rpc.client import ServiceClient

# What a customer notices while the service is down.
CONSEQUENCES = {
    "catalog": "product pages answer 503, listings come from the cache while it has them",
    "inventory": "stock and checkout answer 503, cached pages are still served",
    "account": "registering and logging in answer 503; signed-in customers keep their session",
    "cart": "carts and checkout answer 503; browsing works",
    "order": "checkout and order history answer 503; browsing and carts work",
    "payment": "checkout answers 503 (orders stay pending, safe to retry); browsing and carts work",
}


class ServiceDown(Degraded):
    """A business service, or some of its instances, does not answer."""


class ServiceHealth:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def check(self) -> None:
        name = self._client.name
        found = self._client.readiness()
        down = [i for i in found if not i.ready]
        if len(down) == len(found):
            reasons = "; ".join(f"{i.url}: {i.describe()}" for i in down)
            raise ServiceDown(f"{name} is down ({reasons}): {CONSEQUENCES.get(name, '')}")
        if down:
            raise ServiceDown(
                f"{len(down)} of {len(found)} {name} instances down "
                f"({', '.join(i.url for i in down)}); the others serve"
            )
        if self._client.circuit != "closed":
            raise ServiceDown(f"{name}: circuit {self._client.circuit} after failed calls")


class DatabasesUnavailable(Exception):
    """No service can reach its database: the shop cannot serve (503, as in stages 01-05)."""


class DatabasesHealth:
    """The shop's data as the services see it: each service checks its own database in its
    /readyz. One service's database down is that service degraded; every one down (they
    share the MariaDB server) leaves nothing to serve."""

    def __init__(self, clients: Sequence[ServiceClient]) -> None:
        self._clients = clients

    def check(self) -> None:
        seen: dict[str, str] = {}
        for client in self._clients:
            answers = [i for i in client.readiness() if i.status is not None]
            verdicts = [i.checks.get("database") for i in answers if "database" in i.checks]
            if verdicts:
                ok = any(v == "ok" for v in verdicts)
                seen[client.name] = "ok" if ok else str(verdicts[0])
        failing = {name: why for name, why in seen.items() if why != "ok"}
        if seen and len(failing) == len(seen):
            raise DatabasesUnavailable(f"no service reaches its database ({failing})")
        if failing:
            raise Degraded(f"databases failing: {failing}")
