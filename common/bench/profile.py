"""`shop bench profile STAGE`: where one request's CPU goes, by library (cProfile).

The stage's app is built in this process by its composition root, with the running stage's
settings (its database, caches, sessions, object store), and driven by Flask's test client:
no network, no gunicorn, one thread, so the profile is the app's own work per request. Two
scenarios:

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
import pstats
import uuid
from collections import defaultdict
from collections.abc import Callable

import click
from flask.testing import FlaskClient
from rich.console import Console
from rich.table import Table

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


def area_of(filename: str) -> str:
    for label, fragment in AREAS:
        if fragment in filename:
            return label
    if filename.startswith("~") or filename.startswith("<"):
        return "Python built-ins (C)"
    return "Python standard library, other"


def profile_table(stats: pstats.Stats, requests: int) -> list[tuple[str, float, float]]:
    """(area, ms per request, share) rows, biggest first."""
    by_area: dict[str, float] = defaultdict(float)
    raw = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        by_area[area_of(filename)] += tottime
    total = sum(by_area.values()) or 1.0
    rows = [(area, 1000 * t / requests, t / total) for area, t in by_area.items()]
    return sorted(rows, key=lambda row: row[1], reverse=True)


def _product(client: FlaskClient, product_id: int) -> Callable[[], None]:
    def view() -> None:
        response = client.get(f"/p/{product_id}", headers={"Accept": "text/html"})
        if response.status_code != 200:
            raise BenchError(f"/p/{product_id} answered {response.status_code}")

    return view


def _checkout(client: FlaskClient, product_id: int) -> Callable[[], None]:
    login = client.post(
        "/api/sessions", json={"email": "user1@example.com", "password": "password123"}
    )
    if login.status_code != 200:
        raise BenchError(f"logging in answered {login.status_code}: is the stage seeded?")

    def buy() -> None:
        put = client.put(f"/api/cart/items/{product_id}", json={"qty": 1})
        if put.status_code != 200:
            raise BenchError(f"cart answered {put.status_code}: {put.text[:200]}")
        order = client.post(
            "/api/orders", json={}, headers={"Idempotency-Key": f"profile-{uuid.uuid4()}"}
        )
        if order.status_code != 201:
            raise BenchError(f"checkout answered {order.status_code}: {order.text[:200]}")

    return buy


@click.command("profile")
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
        settings = app_settings(running.state)
        app = composition_root(stage).create_app(settings)
        if scenario == "product":  # a new visitor each time: no cookie kept between views
            step = _product(app.test_client(use_cookies=False), product_id)
        else:
            step = _checkout(app.test_client(), product_id)
        for _ in range(max(20, requests // 10)):  # warm: caches, templates, pools
            step()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
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
