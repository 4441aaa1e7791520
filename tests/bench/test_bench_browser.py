"""The HTML workloads' client: what it reads from a page, what its HTTP cache spares, how page
views are counted; and, end to end, a real BrowserUser against a local HTTP server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from common.bench import pageviews
from common.bench.workloads import api_name, is_html, module_name
from common.bench.workloads.httpcache import (
    FRESH,
    MISS,
    REVALIDATE,
    HttpCache,
    freshness_lifetime,
)
from common.bench.workloads.pageparse import IMAGE, SCRIPT, STYLESHEET, parse_page

# ---- parsing a page ----------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head>
  <link rel="preload" href="/static/font.woff2" as="font">
  <link rel="stylesheet" href="/static/style.3f2a9c.css">
  <LINK REL="alternate stylesheet" HREF="static/print.css" media=print>
  <script src="/static/app.js" defer></script>
  <script>document.write('<img src="/inline-trap.png">')</script>
  <script nomodule src="/static/legacy.js"></script>
  <!-- <img src="/commented-out.png"> -->
</head><body>
  <img src="/static/logo.svg" alt="a > b">
  <picture>
    <source type="image/jxl" srcset="/img/1.jxl">
    <source media="(min-width: 2000px)" srcset="/img/1-wide.webp">
    <source type="image/webp" srcset="/img/1.webp 1x, /img/1@2x.webp 2x">
    <img src="/img/1.png" loading="lazy" alt="">
  </picture>
  <img src="http://127.0.0.1:9000/product-images/2.png" loading=lazy>
  <img srcset="/img/3-small.webp 320w, /img/3.webp 640w" loading='lazy'>
  <img src="/static/logo.svg">
  <img src="data:image/png;base64,AAAA">
  <a href="/c/kitchen">Kitchen</a> <a href="/p/7">A product</a>
  <form action="/logout" method="post">
    <input type="hidden" name="csrf_token" value="t&amp;1"></form>
  <form action="/cart" method="POST">
    <input type="hidden" name="csrf_token" value="tok">
    <input type="hidden" name="product_id" value="7">
    <input type="number" name="qty" value="1">
    <input type="checkbox" name="gift">
    <input type="checkbox" name="news" value="yes" checked>
    <button type="submit" name="go">Add</button>
  </form>
  <form method="post"><input name="email" value=""></form>
</body></html>"""


def test_stylesheets_scripts_and_images_are_found_and_resolved() -> None:
    page = parse_page(PAGE, "http://127.0.0.1:8000/p/7")
    assert [(a.kind, a.url, a.lazy) for a in page.assets] == [
        (STYLESHEET, "http://127.0.0.1:8000/static/style.3f2a9c.css", False),
        (STYLESHEET, "http://127.0.0.1:8000/p/static/print.css", False),
        (SCRIPT, "http://127.0.0.1:8000/static/app.js", False),
        (IMAGE, "http://127.0.0.1:8000/static/logo.svg", False),  # once, though twice named
        (IMAGE, "http://127.0.0.1:8000/img/1.webp", True),
        (IMAGE, "http://127.0.0.1:9000/product-images/2.png", True),
        (IMAGE, "http://127.0.0.1:8000/img/3-small.webp", True),
    ]


def test_lazy_images_beyond_the_first_screen_are_not_fetched() -> None:
    page = parse_page(PAGE, "http://127.0.0.1:8000/")
    fetched = [a.url.rsplit("/", 1)[-1] for a in page.to_fetch(lazy_in_view=2)]
    assert fetched == ["style.3f2a9c.css", "print.css", "app.js", "logo.svg", "1.webp", "2.png"]
    assert len(page.to_fetch(lazy_in_view=0)) == 4  # eager assets only


def test_forms_give_what_a_browser_submits() -> None:
    page = parse_page(PAGE, "http://127.0.0.1:8000/p/7")
    cart = page.form("/cart")
    assert cart is not None and cart.action == "http://127.0.0.1:8000/cart"
    assert cart.fields == {"csrf_token": "tok", "product_id": "7", "qty": "1", "news": "yes"}
    logout = page.form("/logout")
    assert logout is not None and logout.fields == {"csrf_token": "t&1"}
    own = page.form("/p/7")  # a form without action posts to the page itself
    assert own is not None and own.fields == {"email": ""}
    assert page.form("/checkout") is None
    assert "http://127.0.0.1:8000/c/kitchen" in page.links


# ---- the HTTP cache ----------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_fresh_responses_are_reused_without_a_request() -> None:
    clock = Clock()
    cache = HttpCache(clock)
    url = "http://shop/static/style.abc.css"
    cache.store(url, 200, {"Cache-Control": "public, max-age=31536000, immutable"})
    assert cache.lookup(url).kind == FRESH
    clock.now += 31_535_999
    assert cache.lookup(url).kind == FRESH
    clock.now += 2
    assert cache.lookup(url).kind == MISS  # stale and no validator: fetched again


def test_stale_responses_with_validators_are_revalidated_and_304_refreshes() -> None:
    clock = Clock()
    cache = HttpCache(clock)
    url = "http://shop/static/style.css"
    cache.store(
        url,
        200,
        {
            "Cache-Control": "no-cache",
            "ETag": '"v1"',
            "Last-Modified": "Sun, 29 Nov 2026 21:34:09 GMT",
        },
    )
    lookup = cache.lookup(url)
    assert lookup.kind == REVALIDATE
    assert lookup.headers == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Sun, 29 Nov 2026 21:34:09 GMT",
    }
    cache.store(url, 304, {"Cache-Control": "max-age=60"})
    assert cache.lookup(url).kind == FRESH
    clock.now += 61
    assert cache.lookup(url).kind == REVALIDATE


def test_what_a_browser_does_not_store() -> None:
    cache = HttpCache(Clock())
    cache.store("a", 200, {"Cache-Control": "no-store", "ETag": '"x"'})
    cache.store("b", 200, {"Cache-Control": "max-age=60", "Vary": "Cookie"})
    cache.store("c", 404, {"Cache-Control": "max-age=60"})
    cache.store("d", 200, {"Content-Type": "text/html"})  # nothing to gain: no freshness, no ETag
    assert all(cache.lookup(u).kind == MISS for u in "abcd")
    cache.store("e", 200, {"Cache-Control": "max-age=60"})
    cache.store("e", 200, {"Cache-Control": "no-store"})  # a newer answer forbids keeping it
    assert cache.lookup("e").kind == MISS


def test_freshness_from_expires_and_the_last_modified_heuristic() -> None:
    date = "Mon, 30 Nov 2026 12:00:00 GMT"
    assert freshness_lifetime({"date": date, "expires": "Mon, 30 Nov 2026 13:00:00 GMT"}) == 3600
    assert freshness_lifetime({"cache-control": "max-age=100", "age": "30"}) == 70
    # 10 % of the 10 days since the image was last modified: one day.
    heuristic = {"date": date, "last-modified": "Fri, 20 Nov 2026 12:00:00 GMT"}
    assert freshness_lifetime(heuristic) == pytest.approx(86_400)
    assert freshness_lifetime(heuristic, status=206) == 0.0


def test_a_new_visitor_starts_with_an_empty_cache() -> None:
    cache = HttpCache(Clock())
    cache.store("x", 200, {"Cache-Control": "max-age=60"})
    cache.clear()
    assert cache.lookup("x").kind == MISS


# ---- page views ----------------------------------------------------------------------------


def test_page_views_count_time_requests_bytes_and_cache_hits() -> None:
    stats = pageviews.PageViewStats()
    for ms in (10, 20, 30, 40, 1000):
        stats.record("page /p/[id]", ms, requests=3, size=2048, cache_hits=1, failed=False)
    stats.record("page /", 50, requests=10, size=10_240, cache_hits=0, failed=True)
    stats.visit(new_visitor=True)
    stats.visit(new_visitor=False)
    snap = stats.snapshot()
    assert snap["total"]["views"] == 6 and snap["total"]["failures"] == 1
    assert snap["total"]["requests"] == 25 and snap["total"]["cache_hits"] == 5
    product = next(p for p in snap["pages"] if p["name"] == "page /p/[id]")
    assert (product["p50_ms"], product["p99_ms"]) == (30.0, 1000.0)
    figures = pageviews.derive(snap, window_seconds=2.0, db_queries=12)
    assert figures is not None
    assert figures["views_per_s"] == 3.0 and figures["requests_per_view"] == pytest.approx(25 / 6)
    assert figures["db_queries_per_view"] == 2.0 and figures["new_visitors_per_s"] == 0.5
    stats.reset()
    assert stats.snapshot()["total"]["views"] == 0


def test_workload_names() -> None:
    assert module_name("browse-api") == "common.bench.workloads.browse_api"
    assert api_name("mixed") == "mixed-api" and api_name("mixed-api") == "mixed-api"
    assert is_html("flash_sale") and not is_html("buy-api")


# ---- end to end: a BrowserUser against a real HTTP server -------------------------------------

HOME = (
    """<!doctype html><html><head>
<link rel="stylesheet" href="/static/style.v1.css">
<script src="/static/app.js"></script></head><body>
<img src="/img/hero.png">
"""
    + "".join(f'<img src="/img/{n}.png" loading="lazy">' for n in range(12))
    + "</body></html>"
)


class Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str]]] = []
    posted: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Recorder.posted.append({k: v for k, v in self.headers.items()})
        self._send(303, b"", {"Location": "/"})

    def do_GET(self) -> None:
        conditional = self.headers.get("If-None-Match")
        Recorder.seen.append((self.path, "conditional" if conditional else "plain"))
        if self.path == "/":
            self._send(200, HOME.encode(), {"Content-Type": "text/html"})
        elif self.path == "/static/style.v1.css":
            self._send(200, b"body{}", {"Cache-Control": "max-age=31536000, immutable"})
        elif self.path == "/static/app.js" and conditional == '"js1"':
            self._send(304, b"", {"ETag": '"js1"'})
        elif self.path == "/static/app.js":
            self._send(200, b"1;", {"Cache-Control": "no-cache", "ETag": '"js1"'})
        else:
            self._send(200, b"png", {"Cache-Control": "max-age=600"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    Recorder.seen = []
    Recorder.posted = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


VISITOR = """
import json, sys
from locust.env import Environment
from common.bench import pageviews
from common.bench.workloads.browser import BrowserUser

class Visitor(BrowserUser):
    host = sys.argv[1]

env = Environment(user_classes=[Visitor], host=sys.argv[1])
user = Visitor(env)
user.on_start()
user.config = type(user.config)(lazy_in_view=4, new_visitor_share=0.0)
user.open_home()   # first visit: everything
user.open_home()   # returning: only the page, and the no-cache script revalidated
user.cache.clear(); user.client.cookiejar.clear()
user.open_home()   # a new visitor: everything again
print(json.dumps(pageviews.stats_for(env).snapshot()))
"""


def _run_visitor(script: str, site: str) -> str:
    """Run a visitor script against ``site`` and return what it printed. Locust
    monkey-patches the process it runs in: the visitor runs in its own interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script, site],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_returning_visitor_fetches_no_fresh_asset_again(site: str) -> None:
    views = json.loads(_run_visitor(VISITOR, site).strip().splitlines()[-1])
    assert views["total"]["views"] == 3 and views["total"]["failures"] == 0
    # Visit 1: page, stylesheet, script, hero image, 4 lazy images in view = 8 requests.
    # Visit 2: page + conditional script (304) = 2; stylesheet and images from the cache (6).
    # Visit 3, a new visitor: 8 again.
    assert views["total"]["requests"] == 18 and views["total"]["cache_hits"] == 6
    first, second, third = Recorder.seen[:8], Recorder.seen[8:10], Recorder.seen[10:]
    assert {p for p, _ in first} == {
        "/",
        "/static/style.v1.css",
        "/static/app.js",
        "/img/hero.png",
        "/img/0.png",
        "/img/1.png",
        "/img/2.png",
        "/img/3.png",
    }
    assert sorted(second) == [("/", "plain"), ("/static/app.js", "conditional")]
    assert len(third) == 8 and ("/static/app.js", "plain") in third


FORM_POSTER = """
import sys
from locust.env import Environment
from common.bench.workloads.browser import BrowserUser

class Visitor(BrowserUser):
    host = sys.argv[1]

env = Environment(user_classes=[Visitor], host=sys.argv[1])
user = Visitor(env)
user.on_start()
user.open_home()
user.submit(sys.argv[1] + "/login", {"email": "a@example.com"}, "log in (submit)")
"""


def test_a_form_is_posted_with_the_referer_and_origin_of_its_page(site: str) -> None:
    # Over HTTPS the shop's CSRF check refuses a form without a matching Referer; browsers
    # always send one for a same-origin form (strict-origin-when-cross-origin).
    _run_visitor(FORM_POSTER, site)
    [posted] = Recorder.posted
    assert posted["Referer"] == f"{site}/" and posted["Origin"] == site
