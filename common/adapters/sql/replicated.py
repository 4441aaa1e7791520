"""A primary and its read replicas as one database for the composition root (stage05, and
every later stage that reads from replicas): engines, the lag monitor, the read router, the
routed adapters and their readiness checks, built from the settings.

Readiness (``/readyz``), in the spirit of stage03's cache and stage04's sessions: a shared
dependency whose loss leaves part of the shop working degrades, it does not fail, or a load
balancer routing on readiness would turn a partial outage into a total one.

* ``replicas``: ``degraded`` while a replica is out of rotation (lagging or unreachable),
  naming it and why; the primary then carries its reads.
* ``database`` (the primary): ``degraded`` when it is unreachable but a replica can serve
  reads (writes answer 503); failing only when no database can answer at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from common.adapters.redis_counters import READS_KEY, RedisCounters, flusher
from common.adapters.sql.engine import SqlHealth, make_engine
from common.adapters.sql.replicas import LagMonitor, Replica
from common.adapters.sql.routed import RoutedCatalogReader, routed_unit_of_work
from common.adapters.sql.routing import ReadRouter, ReadStats
from common.config import ConfigError, Settings
from common.domain.errors import ShopError
from common.ports import CatalogReader, Degraded, EventPublisher, HealthCheck, UnitOfWork

# A replica that does not accept a connection within this long is treated as down.
REPLICA_CONNECT_TIMEOUT_S = 2


def replicas_from_settings(settings: Settings) -> list[Replica]:
    """``SHOP_REPLICA_URLS``: ``name=url`` entries (a bare url is named by its host:port)."""
    if not settings.replica_urls:
        raise ConfigError(
            "SHOP_REPLICA_URLS is not set: e.g. "
            "replica1=mysql+pymysql://shop:shop@replica1:3306/shop,replica2=..."
        )
    replicas = []
    for entry in settings.replica_urls:
        name, sep, url = entry.partition("=")
        if not sep or "://" in name:
            url = entry
            parsed = make_url(url)
            name = f"{parsed.host}:{parsed.port or 3306}"
        engine = make_engine(
            url, pool_size=settings.db_pool_size, connect_timeout=REPLICA_CONNECT_TIMEOUT_S
        )
        replicas.append(Replica(name.strip(), engine))
    return replicas


@dataclass(frozen=True)
class ReplicatedDatabase:
    primary: Engine
    router: ReadRouter

    @classmethod
    def from_settings(
        cls, settings: Settings, stats: ReadStats | None = None
    ) -> ReplicatedDatabase:
        primary = make_engine(settings.database_url, pool_size=settings.db_pool_size)
        monitor = LagMonitor(
            primary,
            replicas_from_settings(settings),
            max_lag_seconds=settings.replica_max_lag_seconds,
            interval_seconds=settings.replica_check_seconds,
        )
        router = ReadRouter(
            primary,
            monitor,
            wait_seconds=settings.replica_wait_seconds,
            read_your_writes=settings.read_your_writes,
            stats=stats,
        )
        if settings.redis_url:  # the router's counters, summed over every process, each tick
            counters = RedisCounters.from_url(settings.redis_url, READS_KEY)
            monitor.on_tick.append(flusher(router.stats.take, router.stats.give_back, counters))
        return cls(primary, router)

    def catalog_reader(self) -> CatalogReader:
        return RoutedCatalogReader(self.router)

    def unit_of_work(self, publisher: EventPublisher) -> Callable[[], UnitOfWork]:
        return routed_unit_of_work(self.router, publisher)

    def health(self) -> Mapping[str, HealthCheck]:
        return {"database": PrimaryHealth(self.router), "replicas": ReplicaHealth(self.router)}


class PrimaryHealth:
    def __init__(self, router: ReadRouter) -> None:
        self._primary = SqlHealth(router.primary)
        self._monitor = router.monitor

    def check(self) -> None:
        try:
            self._primary.check()
        except ShopError as exc:
            serving = [r.name for r in self._monitor.rotation()]
            if not serving:
                raise
            raise Degraded(
                f"primary unreachable ({exc}): writes answer 503, reads go on from "
                f"{', '.join(serving)}"
            ) from exc


class ReplicaHealth:
    def __init__(self, router: ReadRouter) -> None:
        self._monitor = router.monitor

    def check(self) -> None:
        self._monitor.wait_first_check(timeout=3.0)  # a node's first /readyz starts it
        statuses = self._monitor.statuses()
        out = [s for s in statuses if not s.in_rotation]
        if not out:
            return
        serving = [s.name for s in statuses if s.in_rotation]
        where = f"reads on {', '.join(serving)}" if serving else "every read on the primary"
        raise Degraded("; ".join(s.describe() for s in out) + f"; {where}")
