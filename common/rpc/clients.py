"""The ServiceClients of one process: one per downstream service it has addresses for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from common.config import ConfigError, Settings
from common.rpc.client import Observer, ServiceClient
from common.rpc.identity import IdentitySigner
from common.rpc.policy import CallPolicy, policy_for

# Operators' batches (1000 products per call while seeding) are not customers' calls: they
# may take long, and a bulkhead of one keeps a seeding from flooding a service.
OPERATOR_POLICY = Callable[[CallPolicy], CallPolicy]


def for_operators(policy: CallPolicy) -> CallPolicy:
    return replace(policy, timeout_s=120.0, attempts=3, max_in_flight=2, queue_wait_s=120.0)


class ServiceClients:
    def __init__(
        self,
        settings: Settings,
        issuer: str,
        *,
        adjust: OPERATOR_POLICY | None = None,
        observer: Observer | None = None,
    ) -> None:
        signer = IdentitySigner(settings.secret_key, issuer)
        self._clients = {
            name: ServiceClient(
                name,
                urls,
                (adjust or (lambda p: p))(policy_for(settings, name)),
                signer,
                observer=observer,
            )
            for name, urls in settings.service_urls.items()
        }

    def __getitem__(self, name: str) -> ServiceClient:
        try:
            return self._clients[name]
        except KeyError:
            raise ConfigError(
                f"SHOP_{name.upper()}_URLS is not set: this process calls the {name} service "
                f"(e.g. SHOP_{name.upper()}_URLS=http://{name}1:8000,http://{name}2:8000)"
            ) from None

    def __contains__(self, name: str) -> bool:
        return name in self._clients

    def names(self) -> list[str]:
        return list(self._clients)
