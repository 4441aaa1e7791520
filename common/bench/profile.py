"""`shop bench profile STAGE`: where one request's CPU goes, by library (cProfile).

The stage's app is built in this process by its composition root, with the running stage's
settings (its database, caches, sessions, object store), and driven by Flask's test client:
no network, no gunicorn, one thread, each request's WSGI environ built before profiling
starts, so the profile is the app's own work per request. Two scenarios:

* ``product``: an anonymous visitor views ``/p/ID`` (``--requests`` times, after a warm-up);
* ``checkout``: a signed-in customer puts a product in the cart and places an order, with a
  fresh idempotency key each time (logged in once, before profiling: the password hash is
  not in the table).

The table sums each function's own time (cProfile's ``tottime``) by where the function lives
(Jinja, Flask and Werkzeug, SQLAlchemy, PyMySQL, Redis, the shop's own packages...), per
request, and the share of the total: the answer to "what would I have to make cheaper?".
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import click
from flask import Flask
from rich.console import Console
from rich.table import Table
from werkzeug.test import EnvironBuilder

from common.bench.stage import BenchError, app_settings, bring_up
from common.stages import composition_root

# (label, path fragment) in order: the first fragment found in a function's file names it.
AREAS: tuple[tuple[str, str], ...] = (
    ("shop: sessions", "common/web/sessions"),
    ("shop: rate limits, headers", "common/web/rate_limits"),
    ("shop: rate limits, headers", "common/web/security_headers"),
    ("shop: web views", "common/web/"),
    ("shop: catalog cache", "common/adapters/cache"),
    ("shop: SQL adapters", "common/adapters/sql"),
    ("shop: services, domain", "common/services"),
    ("shop: services, domain", "common/domain"),
    ("shop: other", "common/"),
    ("Jinja (templates)", "jinja2"),
    ("markupsafe (escaping)", "markupsafe"),
    ("Flask-WTF (CSRF)", "flask_wtf"),
    ("itsdangerous (signing)", "itsdangerous"),
    ("Flask-Limiter, limits", "flask_limiter"),
    ("Flask-Limiter, limits", "/limits/"),
    ("Flask", "/flask/"),
    ("Werkzeug", "werkzeug"),
    ("SQLAlchemy", "sqlalchemy"),
    ("PyMySQL (MariaDB protocol)", "pymysql"),
    ("redis-py", "/redis/"),
    ("MinIO client", "/minio/"),
    ("json", "/json/"),
)


GENERIC = ("Python built-ins (C)", "Python standard library")


def area_of(filename: str) -> str:
    for label, fragment in AREAS:
        if fragment in filename:
            return label
    if filename.startswith("~") or filename.startswith("<"):
        return GENERIC[0]
    return GENERIC[1]


Func = tuple[str, int, str]


def profile_table(stats: pstats.Stats, requests: int) -> list[tuple[str, float, float]]:
    """(area, ms per request, share) rows, biggest first. Time in built-ins and the standard
    library (a dict lookup, ``hmac``, ``urllib.parse``) counts for the area that called it,
    in proportion to the calls' time: "whose work is it?", not "which file runs"."""
    raw: dict[Func, tuple[int, int, float, float, dict[Func, tuple[Any, ...]]]]
    raw = stats.stats  # type: ignore[attr-defined]
    memo: dict[Func, dict[str, float]] = {}

    def owners(func: Func, depth: int = 0) -> dict[str, float]:
        """Shares of the areas func's time belongs to."""
        area = area_of(func[0])
        if area not in GENERIC or depth > 6 or func not in raw:
            return {area: 1.0}
        if func in memo:
            return memo[func]
        memo[func] = {area: 1.0}  # a cycle resolves to itself
        callers = raw[func][4]
        weights = {caller: float(v[2]) for caller, v in callers.items()}
        total = sum(weights.values())
        if not total:
            return memo[func]
        shares: dict[str, float] = defaultdict(float)
        for caller, weight in weights.items():
            for owner, share in owners(caller, depth + 1).items():
                shares[owner] += share * weight / total
        memo[func] = dict(shares)
        return memo[func]

    by_area: dict[str, float] = defaultdict(float)
    for func, (_cc, _nc, tottime, _ct, _callers) in raw.items():
        for owner, share in owners(func).items():
            by_area[owner] += tottime * share
    total = sum(by_area.values()) or 1.0
    rows = [(area, 1000 * t / requests, t / total) for area, t in by_area.items()]
    return sorted(rows, key=lambda row: row[1], reverse=True)


Call = Callable[[], None]


def _wsgi_call(app: Flask, environ: dict[str, Any], expect: int, what: str) -> Call:
    """One request straight into the WSGI app, its environ built beforehand (so building it,
    like the test client or gunicorn would, is not in the profile)."""
    body = environ["wsgi.input"].read()

    def call() -> None:
        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []
        chunks = app.wsgi_app(env, lambda s, h, e=None: status.append(s))  # type: ignore[arg-type]
        try:
            for _ in chunks:
                pass
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        if not status or not status[0].startswith(str(expect)):
            raise BenchError(f"{what} answered {status[0] if status else 'nothing'}")

    return call


def _product_steps(app: Flask, product_id: int, requests: int) -> list[Call]:
    environ = EnvironBuilder(path=f"/p/{product_id}", headers=[("Accept", "text/html")])
    call = _wsgi_call(app, environ.get_environ(), 200, f"/p/{product_id}")
    return [call] * requests


def _checkout_steps(app: Flask, product_id: int, requests: int) -> list[Call]:
    login = app.test_client().post(
        "/api/sessions", json={"email": "user1@example.com", "password": "password123"}
    )
    if login.status_code != 200:
        raise BenchError(f"logging in answered {login.status_code}: is the stage seeded?")
    cookie = next(
        c.split(";", 1)[0] for c in login.headers.getlist("Set-Cookie") if "shop_session" in c
    )
    steps: list[Call] = []
    for _ in range(requests):
        put = EnvironBuilder(
            path=f"/api/cart/items/{product_id}",
            method="PUT",
            json={"qty": 1},
            headers=[("Cookie", cookie)],
        )
        order = EnvironBuilder(
            path="/api/orders",
            method="POST",
            json={},
            headers=[("Cookie", cookie), ("Idempotency-Key", f"profile-{uuid.uuid4()}")],
        )
        steps.append(_wsgi_call(app, put.get_environ(), 200, "PUT /api/cart/items"))
        steps.append(_wsgi_call(app, order.get_environ(), 201, "POST /api/orders"))
    return steps


@click.command("profile", short_help="Where one request's CPU goes, by library (cProfile).")
@click.argument("stage")
@click.option(
    "--scenario", type=click.Choice(["product", "checkout"]), default="product", show_default=True
)
@click.option("--product", "product_id", default=42, show_default=True)
@click.option("--requests", default=300, show_default=True, help="Profiled requests.")
def profile(stage: str, scenario: str, product_id: int, requests: int) -> None:
    """Where the CPU of one request goes in STAGE's app, by library (cProfile).

    \b
      shop bench profile stage03_cache                      an anonymous product page view
      shop bench profile stage03_cache --scenario checkout  cart + order, signed in
    The stage is started (and seeded) if it is not running; checkout buys real stock: run
    `shop admin` or `shop bench` afterwards as usual, they restock.
    """
    console = Console()
    running = bring_up(stage, None, lambda *_: None)
    try:
        settings = app_settings(running.stage, running.state)
        app = composition_root(stage).create_app(settings)
        build = _product_steps if scenario == "product" else _checkout_steps
        for step in build(app, product_id, max(20, requests // 10)):  # warm caches, pools
            step()
        steps = build(app, product_id, requests)
        profiler = cProfile.Profile(time.process_time)  # CPU time: steadier on a busy machine
        profiler.enable()
        for step in steps:
            step()
        profiler.disable()
    finally:
        if running.started_here:
            running.supervisor.down()
    rows = profile_table(pstats.Stats(profiler), requests)
    table = Table(title=f"{stage}: {scenario}, CPU per request by area ({requests} requests)")
    table.add_column("area")
    table.add_column("ms / request", justify="right")
    table.add_column("share", justify="right")
    for area, ms, share in rows:
        if share >= 0.005:
            table.add_row(area, f"{ms:.3f}", f"{100 * share:.0f} %")
    table.add_row("total", f"{sum(r[1] for r in rows):.3f}", "100 %")
    console.print(table)
