"""A business service's readiness, as the web tier's /readyz reports it.

Every service is something the shop can partly do without, so a service down is *degraded*
(200, named in /readyz), never *failing*: nginx does not route on /readyz, and taking web
nodes out because the payment service is down would take browsing down with it, which is
exactly what the split is meant to prevent. The message says what customers notice.
"""

from __future__ import annotations

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
        found = self._client.instances_ready()
        down = {url: why for url, why in found.items() if why != "ok"}
        if len(down) == len(found):
            reasons = "; ".join(f"{url}: {why}" for url, why in down.items())
            raise ServiceDown(f"{name} is down ({reasons}): {CONSEQUENCES.get(name, '')}")
        if down:
            raise ServiceDown(
                f"{len(down)} of {len(found)} {name} instances down ({', '.join(down)}); "
                "the others serve"
            )
        if self._client.circuit != "closed":
            raise ServiceDown(f"{name}: circuit {self._client.circuit} after failed calls")
