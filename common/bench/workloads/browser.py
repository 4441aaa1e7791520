"""A browser as a Locust user (docs/architecture.md §6: workloads look like their users).

Each simulated visitor fetches HTML pages and, for each, the stylesheets, scripts and images
the page names (pageparse.py), up to six at a time as a browser does per host, through its
own HTTP cache (httpcache.py) and cookie jar. Forms are submitted as a browser submits them:
every field of the form, hidden CSRF token and idempotency key included, urlencoded, and the
redirect after the POST followed like a page. A new visitor (a stated share of visits) starts
with no cookies and an empty cache.

A page view (the page, the redirects it took, its assets) is timed and counted as one, in
pageviews.PageViewStats; each HTTP request also shows in Locust's statistics under a stable
name ("page /p/[id]", "asset image", "asset image [304]", "form POST /checkout").
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import gevent.pool

from common.bench import pageviews
from common.bench.workloads.base import SeededUser
from common.bench.workloads.httpcache import FRESH, REVALIDATE, HttpCache
from common.bench.workloads.pageparse import STYLESHEET, Asset, Page, parse_page
from common.bench.workloads.retry import send_with_retry
from common.bench.workloads.shop_forms import ADD_TO_CART, PLACE_ORDER, SET_CART_LINE

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
ACCEPT = {  # what Chromium sends, so a server that negotiates (e.g. WebP) answers as to one
    "page": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    STYLESHEET: "text/css,*/*;q=0.1",
    "script": "*/*",
    "image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
}
FORM_TYPE = {"Content-Type": "application/x-www-form-urlencoded"}
_PAGE_PATTERNS = (
    (re.compile(r"^/p/\d+$"), "/p/[id]"),
    (re.compile(r"^/c/[^/]+$"), "/c/[slug]"),
    (re.compile(r"^/orders/\d+$"), "/orders/[id]"),
)
_CATEGORY = re.compile(r"^/c/([^/]+)$")
_ORDER = re.compile(r"^/orders/\d+$")


def page_pattern(url: str) -> str:
    """A page URL's stable name: /p/42 -> /p/[id], /search?q=oak -> /search?q."""
    parts = urlsplit(url)
    for pattern, name in _PAGE_PATTERNS:
        if pattern.match(parts.path):
            return name
    keys = sorted({pair.split("=")[0] for pair in parts.query.split("&") if pair})
    return parts.path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Tally:
    """What one page view cost: HTTP requests, body bytes, assets the cache spared."""

    requests: int = 0
    bytes: int = 0
    cache_hits: int = 0
    failed: bool = False


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def response_headers(response: Any) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in (getattr(response, "headers", None) or {}).items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else str(value)
    return headers


def response_body(response: Any) -> bytes:
    try:
        return bytes(response.content or b"")
    except Exception:  # a connection error has no body
        return b""


class BrowserUser(SeededUser):
    """A person with a browser (abstract): visits, pages, assets, forms."""

    abstract = True
    cache: HttpCache
    signed_in: bool
    categories: list[str]
    page_views: pageviews.PageViewStats
    document_url: str  # the page on screen: a form posted from it names it as Referer

    def on_start(self) -> None:
        super().on_start()
        self.cache = HttpCache()
        self.signed_in = False
        self.categories = []
        self.document_url = ""
        self.page_views = pageviews.stats_for(self.environment)

    # ---- visits ----------------------------------------------------------------------------

    def start_visit(self) -> None:
        """A visit begins; a stated share of visits are by a new visitor (no cookies, empty
        cache: every asset fetched again, a buyer logs in again)."""
        new = self.rng.random() < self.config.new_visitor_share
        if new:
            self.cache.clear()
            self.client.cookiejar.clear()
            self.signed_in = False
        self.page_views.visit(new)

    def visit_length(self) -> int:
        """Page views of a browsing visit: geometric, with mean config.visit_pages."""
        mean = max(self.config.visit_pages, 1.0)
        pages = 1
        while self.rng.random() < 1 - 1 / mean:
            pages += 1
        return pages

    # ---- page views --------------------------------------------------------------------------

    def open_page(self, path: str, view: str) -> Page | None:
        """GET a page as a browser does (redirects, assets, cache) and record one page view."""
        began, tally = time.perf_counter(), Tally()
        page = self._document(urljoin(f"{self.host or ''}/", path), tally)
        if page is not None:
            self._assets(page, tally)
        self._record(view, began, tally, failed=page is None)
        return page

    def submit(
        self, form_url: str, fields: dict[str, str], view: str, judge: Any = None
    ) -> tuple[Answer | None, Page | None]:
        """POST a form (retried with the same fields when no answer came: the form's
        idempotency key makes that safe), then follow the redirect as a page view."""
        began, tally = time.perf_counter(), Tally()
        name = f"form POST {urlsplit(form_url).path}"
        answer = self._post(form_url, urlencode(fields), name, tally, judge)
        page = None
        if answer is not None and answer.status in REDIRECTS:
            target = urljoin(form_url, answer.headers.get("location", ""))
            page = self._document(target, tally)
        elif answer is not None and answer.body:
            page = parse_page(answer.body.decode("utf-8", "replace"), form_url)
        if page is not None:
            self._assets(page, tally)
        self._record(view, began, tally, failed=tally.failed)
        return answer, page

    def _record(self, view: str, began: float, tally: Tally, failed: bool) -> None:
        ms = 1000 * (time.perf_counter() - began)
        self.page_views.record(view, ms, tally.requests, tally.bytes, tally.cache_hits, failed)

    # ---- HTTP ------------------------------------------------------------------------------

    def _get(self, url: str, name: str, accept: str, conditional: dict[str, str]) -> Answer:
        headers = {"Accept": accept, **conditional}
        with self.client.request(
            "GET", url, name=name, headers=headers, catch_response=True, max_redirects=0
        ) as response:
            answer = Answer(
                response.status_code, response_headers(response), response_body(response), url
            )
            if answer.status == 304:
                response.request_meta["name"] = f"{name} [304]"
            if answer.status == 200 or answer.status == 304 or answer.status in REDIRECTS:
                response.success()
            else:
                response.failure(f"{name}: HTTP {answer.status}")
        return answer

    def _post(
        self, url: str, data: str, name: str, tally: Tally, judge: Any = None
    ) -> Answer | None:
        answers: list[Answer] = []

        def send() -> Any:
            return self.client.request(
                "POST",
                url,
                name=name,
                data=data,
                headers={"Accept": ACCEPT["page"], **FORM_TYPE, **self._form_origin()},
                catch_response=True,
                max_redirects=0,
            )

        def decide(response: Any) -> bool:
            answer = Answer(
                response.status_code, response_headers(response), response_body(response), url
            )
            answers.append(answer)
            if judge is not None:
                return bool(judge(response, answer))
            if answer.status in REDIRECTS:
                response.success()
                return True
            response.failure(f"{name}: HTTP {answer.status}")
            return False

        ok = send_with_retry(send, name, decide)
        tally.requests += max(len(answers), 1)  # a retried POST is a request more
        tally.bytes += sum(len(a.body) for a in answers)
        tally.failed = tally.failed or not ok
        return answers[-1] if answers else None

    def _form_origin(self) -> dict[str, str]:
        """What a browser says of a form's page when it posts it: the page (Referer, which the
        shop's strict-origin-when-cross-origin policy keeps whole on its own site) and its
        origin. Over HTTPS the shop's CSRF check refuses a form POST without a matching
        Referer, as a browser would never send one."""
        if not self.document_url:
            return {}
        parts = urlsplit(self.document_url)
        return {"Referer": self.document_url, "Origin": f"{parts.scheme}://{parts.netloc}"}

    def _document(self, url: str, tally: Tally) -> Page | None:
        """The page at url, through the cache, following redirects; None if it failed."""
        page = self._fetch_document(url, tally)
        if page is not None:
            self.document_url = page.url
        return page

    def _fetch_document(self, url: str, tally: Tally) -> Page | None:
        for _ in range(MAX_REDIRECTS + 1):
            lookup = self.cache.lookup(url)
            if lookup.kind == FRESH and lookup.entry and lookup.entry.body is not None:
                tally.cache_hits += 1
                return parse_page(lookup.entry.body.decode("utf-8", "replace"), url)
            usable = lookup.kind == REVALIDATE and lookup.entry and lookup.entry.body is not None
            conditional = lookup.headers if usable else {}
            answer = self._get(url, f"page {page_pattern(url)}", ACCEPT["page"], conditional)
            tally.requests += 1
            tally.bytes += len(answer.body)
            if answer.status in REDIRECTS and answer.headers.get("location"):
                url = urljoin(url, answer.headers["location"])
                continue
            entry = self.cache.store(url, answer.status, answer.headers, answer.body)
            if answer.status == 304 and entry is not None and entry.body is not None:
                return parse_page(entry.body.decode("utf-8", "replace"), url)
            if answer.status != 200:
                tally.failed = True
                return None
            return parse_page(answer.body.decode("utf-8", "replace"), url)
        tally.failed = True
        return None

    def _assets(self, page: Page, tally: Tally) -> None:
        assets = page.to_fetch(self.config.lazy_in_view)
        if not assets:
            return
        pool = gevent.pool.Pool(max(self.config.asset_connections, 1))
        for asset in assets:
            pool.spawn(self._asset, asset, tally)
        pool.join()

    def _asset(self, asset: Asset, tally: Tally) -> None:
        lookup = self.cache.lookup(asset.url)
        if lookup.kind == FRESH:
            tally.cache_hits += 1  # no request at all: what a returning visitor gains
            return
        answer = self._get(asset.url, f"asset {asset.kind}", ACCEPT[asset.kind], lookup.headers)
        tally.requests += 1
        tally.bytes += len(answer.body)
        if answer.status in (200, 304):
            self.cache.store(asset.url, answer.status, answer.headers)
        else:
            tally.failed = True

    # ---- what people do ----------------------------------------------------------------------

    def open_home(self) -> None:
        page = self.open_page("/", "home")
        if page is not None and not self.categories:
            found = (_CATEGORY.match(urlsplit(link).path) for link in page.links)
            self.categories = sorted({m.group(1) for m in found if m})

    def open_category(self) -> None:
        if not self.categories:
            self.open_home()
            return
        slug = self.rng.choice(self.categories)
        # Most visitors stay on the first pages of a listing; the others click the pager's
        # links, as a person does (a page number past the last is a 404, not a listing).
        wanted = min(1 + int(self.rng.expovariate(0.7)), 20)
        page = self.open_page(f"/c/{slug}", "category")
        if page is None or wanted == 1:
            return
        offered = {number: link for link in page.links if (number := _page_number(link, slug)) > 1}
        reachable = [number for number in offered if number <= wanted]
        if reachable:
            self.open_page(offered[max(reachable)], "category")

    def open_search(self) -> None:
        self.open_page(f"/search?{urlencode({'q': self.search_term()})}", "search")

    def open_product(self, product_id: int) -> Page | None:
        return self.open_page(f"/p/{product_id}", "product")

    def log_in(self) -> bool:
        page = self.open_page("/login", "login")
        form = page.form(urlsplit(page.url).path) if page else None
        if page is None or form is None:
            return False
        email = self.account_email()

        def judge(response: Any, answer: Answer) -> bool:
            if answer.status in REDIRECTS:
                response.success()
                return True
            response.failure(
                f"login {email}: HTTP {answer.status} (is the stage seeded with at least "
                f"{self.config.users} users? `shop seed STAGE`)"
            )
            return False

        fields = {**form.fields, "email": email, "password": self.config.password}
        answer, _ = self.submit(form.action, fields, "log in (submit)", judge)
        self.signed_in = answer is not None and answer.status in REDIRECTS
        return self.signed_in

    def add_to_cart(self, product_id: int) -> bool:
        """Open the product page and submit its add-to-cart form; False when the page offers
        none (out of stock: counted as such) or the cart refused it."""
        page = self.open_product(product_id)
        if page is None:
            return False
        form = page.form(ADD_TO_CART)
        if form is None:
            self.page_views.outcome("out_of_stock_page")
            return False
        answer, landed = self.submit(form.action, {**form.fields, "qty": "1"}, "add to cart")
        if landed is not None and urlsplit(landed.url).path == "/login":
            self.signed_in = False
        return answer is not None and answer.status in REDIRECTS

    def check_out(self) -> bool:
        """Open the checkout page and place the order with its form; True if placed."""
        page = self.open_page("/checkout", "checkout")
        form = page.form(PLACE_ORDER) if page else None
        if form is None:
            return False
        placed = False

        def judge(response: Any, answer: Answer) -> bool:
            nonlocal placed
            target = urlsplit(urljoin(answer.url, answer.headers.get("location", ""))).path
            if answer.status in REDIRECTS and _ORDER.match(target):
                response.success()
                placed = True
                return True
            if answer.status in REDIRECTS and target == "/cart":
                # The shop's HTML answer to out of stock or a declined payment: as designed.
                response.request_meta["name"] = "form POST /checkout [302 not_placed]"
                response.success()
                return False
            response.failure(f"checkout: HTTP {answer.status} to {target or '-'}")
            return False

        self.submit(form.action, form.fields, "place order", judge)
        return placed

    def empty_cart(self, product_ids: list[int]) -> None:
        """Take back what could not be bought, or every later order of this visitor fails."""
        page = self.open_page("/cart", "cart")
        if page is None:
            return
        for product_id in product_ids:
            form = next(
                (
                    f
                    for f in page.forms
                    if urlsplit(f.action).path == SET_CART_LINE
                    and f.fields.get("product_id") == str(product_id)
                ),
                None,
            )
            if form is not None:
                _, landed = self.submit(form.action, {**form.fields, "qty": "0"}, "update cart")
                page = landed or page

    def buy(self, product_ids: list[int]) -> bool:
        added = [pid for pid in product_ids if self.add_to_cart(pid)]
        if not added:
            return False
        if self.check_out():
            return True
        self.empty_cart(added)
        return False


def _page_number(link: str, slug: str) -> int:
    """The listing page a pager link of category ``slug`` goes to (0: not such a link)."""
    parts = urlsplit(link)
    if parts.path != f"/c/{slug}":
        return 0
    values = parse_qs(parts.query).get("page", [])
    return int(values[0]) if values and values[0].isdigit() else 0
