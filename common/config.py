"""Settings of one shop process, read from the environment in one place.

Every stage configures the same settings; a stage's ``compose.yaml`` sets them and the
native runner rewrites service addresses in them. Nothing here is read at import time:
``Settings.from_env()`` is called by a composition root.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable to fix."""


# Stage06's business services. A process that calls one finds its instances in
# SHOP_<NAME>_URLS (comma-separated base URLs); SHOP_<NAME>_TIMEOUT_MS overrides the time a
# call to it may take (common/rpc/policy.py has the defaults).
SERVICE_NAMES = ("catalog", "inventory", "account", "cart", "order", "payment")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str
    image_dir: Path
    secret_key: str
    db_pool_size: int = 5
    session_ttl_seconds: int = 15 * 60
    password_hash_method: str = "argon2id"
    payment_latency_ms: int = 0
    payment_failure_rate: float = 0.0
    payment_seed: int = 0
    # Stage 02+: product images in an S3-compatible object store.
    s3_endpoint: str | None = None  # what the app talks to, e.g. http://minio:9000
    s3_public_url: str | None = None  # what browsers fetch images from
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "product-images"
    # Stage 03+: Redis as the shared (L2) cache; stage04+: also the session store.
    redis_url: str | None = None
    cache_l1_ttl_seconds: float = 2.0
    cache_l1_max_items: int = 10_000
    cache_l2_ttl_seconds: float = 300.0
    cache_negative_ttl_seconds: float = 30.0
    cache_ttl_jitter: float = 0.1  # +-10 %: keys written together do not expire together
    # Stage 04+: sessions in their own Redis (non-evicting), else in redis_url's.
    session_redis_url: str | None = None
    # Stage 05+: read replicas of the primary (SHOP_DATABASE_URL), and how reads use them.
    # SHOP_REPLICA_URLS: comma-separated `name=url` (or just `url`: named by its host:port).
    replica_urls: tuple[str, ...] = ()
    replica_max_lag_seconds: float = 2.0  # a replica further behind leaves the rotation
    replica_check_seconds: float = 1.0  # how often each process checks the replicas' lag
    replica_wait_seconds: float = 0.2  # a read waits this long for a replica, then primary
    read_your_writes: bool = True  # a user's reads include their own last write
    # Stage 06+: the business services this process calls, and overrides of their timeouts.
    service_urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    service_timeouts_ms: Mapping[str, int] = field(default_factory=dict)
    # Stage 07+: RabbitMQ between placing an order and fulfilling it (common/messaging).
    amqp_url: str | None = None  # e.g. amqp://shop:secret@broker:5672/%2F
    mq_prefetch: int = 20  # unacknowledged messages a consumer may hold at once
    # A failed message is retried after each of these delays, then dead-lettered.
    mq_retry_delays_ms: tuple[int, ...] = (1_000, 10_000, 60_000)
    outbox_poll_ms: int = 50  # how often an idle relay looks for new outbox rows
    # The flash-sale gate's stock counters (common/adapters/flash_sale.py); off when unset.
    flash_sale_redis_url: str | None = None
    # Stage 08+: Elasticsearch (e.g. http://search:9200), which answers text searches.
    search_url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        database_url = env.get("SHOP_DATABASE_URL", "")
        service_urls = _service_urls(env)
        # A process reaches the shop's data through its own database or, in stage06's web
        # tier, only through the services.
        if not database_url and not service_urls:
            raise ConfigError(
                "SHOP_DATABASE_URL is not set: e.g. sqlite:///shop.db or "
                "mysql+pymysql://shop:shop@127.0.0.1:3306/shop"
            )
        failure_rate = _float(env, "SHOP_PAYMENT_FAILURE_RATE", 0.0)
        if not 0.0 <= failure_rate <= 1.0:
            raise ConfigError("SHOP_PAYMENT_FAILURE_RATE must be between 0 and 1")
        return cls(
            database_url=database_url,
            image_dir=Path(env.get("SHOP_IMAGE_DIR", "images")),
            secret_key=env.get("SHOP_SECRET_KEY", "") or _missing_secret(),
            db_pool_size=_int(env, "SHOP_DB_POOL_SIZE", 5),
            session_ttl_seconds=_int(env, "SHOP_SESSION_TTL_SECONDS", 15 * 60),
            password_hash_method=env.get("SHOP_PASSWORD_HASH", "argon2id"),
            payment_latency_ms=_int(env, "SHOP_PAYMENT_LATENCY_MS", 0),
            payment_failure_rate=failure_rate,
            payment_seed=_int(env, "SHOP_PAYMENT_SEED", 0),
            s3_endpoint=env.get("SHOP_S3_ENDPOINT") or None,
            s3_public_url=env.get("SHOP_S3_PUBLIC_URL") or None,
            s3_access_key=env.get("SHOP_S3_ACCESS_KEY", ""),
            s3_secret_key=env.get("SHOP_S3_SECRET_KEY", ""),
            s3_bucket=env.get("SHOP_S3_BUCKET", "product-images"),
            redis_url=env.get("SHOP_REDIS_URL") or None,
            cache_l1_ttl_seconds=_float(env, "SHOP_CACHE_L1_TTL_SECONDS", 2.0),
            cache_l1_max_items=_int(env, "SHOP_CACHE_L1_MAX_ITEMS", 10_000),
            cache_l2_ttl_seconds=_float(env, "SHOP_CACHE_L2_TTL_SECONDS", 300.0),
            cache_negative_ttl_seconds=_float(env, "SHOP_CACHE_NEGATIVE_TTL_SECONDS", 30.0),
            cache_ttl_jitter=_float(env, "SHOP_CACHE_TTL_JITTER", 0.1),
            session_redis_url=env.get("SHOP_SESSION_REDIS_URL") or None,
            replica_urls=tuple(
                url.strip() for url in env.get("SHOP_REPLICA_URLS", "").split(",") if url.strip()
            ),
            replica_max_lag_seconds=_float(env, "SHOP_REPLICA_MAX_LAG_SECONDS", 2.0),
            replica_check_seconds=_float(env, "SHOP_REPLICA_CHECK_SECONDS", 1.0),
            replica_wait_seconds=_float(env, "SHOP_REPLICA_WAIT_SECONDS", 0.2),
            read_your_writes=_flag(env, "SHOP_READ_YOUR_WRITES", True),
            service_urls=service_urls,
            service_timeouts_ms={
                name: _int(env, f"SHOP_{name.upper()}_TIMEOUT_MS", 0)
                for name in SERVICE_NAMES
                if env.get(f"SHOP_{name.upper()}_TIMEOUT_MS")
            },
            amqp_url=env.get("SHOP_AMQP_URL") or None,
            mq_prefetch=_positive(env, "SHOP_MQ_PREFETCH", 20),
            mq_retry_delays_ms=_delays(env, "SHOP_MQ_RETRY_DELAYS_MS", (1_000, 10_000, 60_000)),
            outbox_poll_ms=_positive(env, "SHOP_OUTBOX_POLL_MS", 50),
            flash_sale_redis_url=env.get("SHOP_FLASH_SALE_REDIS_URL") or None,
            search_url=_search_url(env),
            extra={k: v for k, v in env.items() if k.startswith("SHOP_")},
        )


def _service_urls(env: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    found = {}
    for name in SERVICE_NAMES:
        variable = f"SHOP_{name.upper()}_URLS"
        urls = tuple(u.strip().rstrip("/") for u in env.get(variable, "").split(",") if u.strip())
        bad = [u for u in urls if not u.startswith("http://")]
        if bad:
            raise ConfigError(f"{variable}: {bad[0]!r} is not an http:// base URL")
        if urls:
            found[name] = urls
    return found


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def _delays(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of milliseconds, e.g. "1000,10000,60000" (may be empty: "")."""
    raw = env.get(name)
    if raw is None:
        return default
    try:
        delays = tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{name} must be comma-separated milliseconds, got {raw!r}") from None
    if any(delay < 1 for delay in delays):
        raise ConfigError(f"{name}: every delay must be at least 1 ms, got {raw!r}")
    return delays


def _search_url(env: Mapping[str, str]) -> str | None:
    url = env.get("SHOP_SEARCH_URL", "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ConfigError(f"SHOP_SEARCH_URL: {url!r} is not an http:// URL")
    return url or None


def _missing_secret() -> str:
    raise ConfigError("SHOP_SECRET_KEY is not set: sessions and CSRF tokens are signed with it")
