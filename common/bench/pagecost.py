"""`shop bench pagecost STAGE`: what each page costs a browser, in requests and bytes, on a
first visit (cold cache) and on a return visit (warm cache).

The article's front-end list — fewer requests, browser caching, compression, asynchronous
scripts, a reverse proxy — is about what crosses the network for one page. This measures
exactly that with a real browser: Debian's Chromium driven by Playwright (a development
extra: ``pip install -e '.[dev]'``), reading Chromium's own network events (DevTools
protocol), so it sees what the browser really fetched:

* a **request** is one that reached the server: a response from the memory or disk cache
  is not counted; a revalidation (``304 Not Modified``) is, and is also counted apart;
* **bytes** are what came over the wire for those requests: headers and body as sent,
  compressed where the server compressed them (Chromium's ``encodedDataLength``).

Cold: a fresh browser profile opens the page. Warm: the same profile leaves the page and
comes back to it by a link-like navigation (not a reload, which revalidates everything).
Images that are lazy-loaded below the first screen are not scrolled to: a page's cost is
what opening it costs. Request counts and bytes do not depend on the machine's load; only
time does, and time is not reported here.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from common.bench.machine import describe_commit
from common.chromium import CHROMIUM, launched
from common.runtime.paths import repo_root

SCHEMA_VERSION = 1
VIEWPORTS = {"desktop": (1280, 800), "mobile": (390, 844)}
SEEDED_LOGIN = {"email": "user1@example.com", "password": "password123"}


@dataclass
class Visit:
    requests: int = 0  # reached the server (a 304 included)
    bytes: int = 0  # over the wire, headers included
    revalidated: int = 0  # of those, answered 304 Not Modified
    from_cache: int = 0  # served by the browser's cache without asking
    by_type: dict[str, int] = field(default_factory=dict)  # requests per resource type
    urls: list[str] = field(default_factory=list)  # "<status> <type> <path>", for reading


@dataclass
class PageCost:
    page: str
    path: str
    cold: Visit
    warm: Visit


@dataclass
class _Tracker:
    """Chromium's network events for one visit, keyed by request id."""

    sent: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (url, type)
    cached: set[str] = field(default_factory=set)
    status: dict[str, int] = field(default_factory=dict)
    finished: dict[str, int] = field(default_factory=dict)  # id -> encoded bytes

    def will_be_sent(self, params: dict[str, Any]) -> None:
        url = params["request"]["url"]
        if url.startswith(("data:", "blob:")):
            return
        self.sent[params["requestId"]] = (url, params.get("type", "Other"))

    def served_from_cache(self, params: dict[str, Any]) -> None:
        self.cached.add(params["requestId"])

    def response(self, params: dict[str, Any]) -> None:
        response = params["response"]
        self.status[params["requestId"]] = int(response.get("status", 0))
        if response.get("fromDiskCache") or response.get("fromPrefetchCache"):
            self.cached.add(params["requestId"])

    def loading_finished(self, params: dict[str, Any]) -> None:
        self.finished[params["requestId"]] = int(params.get("encodedDataLength", 0))

    def visit(self) -> Visit:
        visit = Visit()
        for request_id, (url, kind) in self.sent.items():
            if request_id in self.cached:
                visit.from_cache += 1
                continue
            if request_id not in self.finished and request_id not in self.status:
                continue  # cancelled before it went out (e.g. a lazy image dropped)
            status = self.status.get(request_id, 0)
            visit.requests += 1
            visit.bytes += self.finished.get(request_id, 0)
            visit.revalidated += status == 304
            visit.by_type[kind] = visit.by_type.get(kind, 0) + 1
            parts = urlsplit(url)
            where = parts.path + (f"?{parts.query}" if parts.query else "")
            visit.urls.append(f"{status} {kind} {parts.netloc}{where}")
        visit.urls.sort()
        return visit


@contextmanager
def _tracked(context: Any, page: Any) -> Iterator[_Tracker]:
    tracker = _Tracker()
    cdp = context.new_cdp_session(page)
    cdp.on("Network.requestWillBeSent", tracker.will_be_sent)
    cdp.on("Network.requestServedFromCache", tracker.served_from_cache)
    cdp.on("Network.responseReceived", tracker.response)
    cdp.on("Network.loadingFinished", tracker.loading_finished)
    cdp.send("Network.enable")
    try:
        yield tracker
    finally:
        cdp.detach()


def _open(context: Any, page: Any, url: str) -> Visit:
    with _tracked(context, page) as tracker:
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
    return tracker.visit()


def pages_to_visit(base_url: str, request: Any) -> list[tuple[str, str, bool]]:
    """(name, path, signed in) of the pages measured, found through the JSON API so the
    same command works on every stage and every version of the pages."""
    categories = request.get(f"{base_url}/api/categories").json()["items"]
    product = request.get(f"{base_url}/api/products/1").json()
    word = product["name"].split()[-1]
    return [
        ("home", "/", False),
        ("category", f"/c/{categories[0]['slug']}", False),
        ("product", f"/p/{product['id']}", False),
        ("search", f"/search?q={word}", False),
        ("login", "/login", False),
        ("cart (signed in, 1 item)", "/cart", True),
    ]


def _sign_in_with_one_item(context: Any, base_url: str) -> None:
    request = context.request  # shares the browser context's cookies
    response = request.post(f"{base_url}/api/sessions", data=SEEDED_LOGIN)
    if not response.ok:
        raise click.ClickException(
            f"could not sign in as {SEEDED_LOGIN['email']} (HTTP {response.status}): "
            "is the stage seeded (`shop seed STAGE`)?"
        )
    request.put(f"{base_url}/api/cart/items/1", data={"qty": 1})


def measure(browser: Any, base_url: str, viewport: str) -> list[PageCost]:
    width, height = VIEWPORTS[viewport]
    costs = []
    setup = browser.new_context()
    try:
        targets = pages_to_visit(base_url, setup.request)
    finally:
        setup.close()
    for name, path, signed_in in targets:
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            if signed_in:
                _sign_in_with_one_item(context, base_url)
            page = context.new_page()
            cold = _open(context, page, base_url + path)
            page.goto("about:blank")
            warm = _open(context, page, base_url + path)
        finally:
            context.close()
        costs.append(PageCost(name, path, cold, warm))
    return costs


@contextmanager
def chromium() -> Iterator[Any]:
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            "pagecost drives a real browser with Playwright, a development extra: "
            "`.venv/bin/pip install -e '.[dev]'` (or `make venv`), and Chromium: `make browser`"
        ) from exc
    if not CHROMIUM.exists():
        raise click.ClickException(
            f"{CHROMIUM} is absent: install Debian's Chromium (make browser)"
        )
    with launched() as browser:
        yield browser


def code_state(repo: Path) -> dict[str, Any]:
    """The commit, and whether tracked files other than results/ differ from it: results
    written by an earlier run (this one's other viewport) do not change the pages."""
    state = describe_commit(repo)
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 0:
        state["dirty"] = bool(done.stdout.strip())
    return state


def result_path(stage: str, label: str, viewport: str) -> Path:
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in label)
    return repo_root() / "results" / "pagecost" / f"{stage}-{viewport}-{safe}.json"


def to_result(
    stage: str, url: str, label: str, viewport: str, costs: list[PageCost]
) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "kind": "pagecost",
        "stage": stage,
        "label": label,
        "url": url,
        "viewport": viewport,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **code_state(repo_root()),
        "pages": [asdict(c) for c in costs],
    }


def load_result(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if data.get("kind") != "pagecost":
        raise click.ClickException(f"{path} is not a pagecost result")
    return dict(data)


def _kb(n: int) -> str:
    return f"{n / 1024:,.1f}"


def table(result: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """A Markdown table: per page, requests and KB cold and warm (before -> after when a
    baseline result is given)."""
    before = {p["page"]: p for p in (baseline or {}).get("pages", [])}

    def cell(page: dict[str, Any], visit: str, what: str) -> str:
        now = page[visit][what]
        text = _kb(now) if what == "bytes" else str(now)
        old = before.get(page["page"])
        if old is None:
            return text
        then = old[visit][what]
        return f"{_kb(then) if what == 'bytes' else then} → {text}"

    head = "| page | cold: requests | cold: KB | warm: requests | warm: KB |"
    rows = [head, "|---|---|---|---|---|"]
    for page in result["pages"]:
        rows.append(
            f"| {page['page']} | {cell(page, 'cold', 'requests')} | {cell(page, 'cold', 'bytes')}"
            f" | {cell(page, 'warm', 'requests')} | {cell(page, 'warm', 'bytes')} |"
        )
    return "\n".join(rows)


@click.command(short_help="Requests and bytes per page, cold and warm cache.")
@click.argument("stage")
@click.option(
    "--host",
    metavar="URL",
    help="Measure an already running deployment at URL instead of starting STAGE natively "
    "(it must be seeded).",
)
@click.option(
    "--viewport",
    type=click.Choice(sorted(VIEWPORTS)),
    default="desktop",
    show_default=True,
    help="desktop = 1280 x 800, mobile = 390 x 844 (CSS pixels).",
)
@click.option(
    "--label",
    default="latest",
    show_default=True,
    help="Names the result file, e.g. before / after a change.",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An earlier pagecost result: the table shows before -> after.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Result file.")
def pagecost(
    stage: str,
    host: str | None,
    viewport: str,
    label: str,
    baseline: Path | None,
    out: Path | None,
) -> None:
    """Requests and bytes per page, cold and warm cache, in a real browser.

    \b
    Opens home, a category, a product, a search, the login page and a signed-in cart in
    Debian's Chromium, first with an empty cache, then again with the cache of that visit,
    and counts the requests that reached the server and the bytes on the wire. Writes
    results/pagecost/STAGE-VIEWPORT-LABEL.json and prints a Markdown table.

    \b
      shop bench pagecost stage01_single --label before
      (change something)
      shop bench pagecost stage01_single --label after \\
          --baseline results/pagecost/stage01_single-desktop-before.json
    """
    old = load_result(baseline) if baseline else None
    if host:
        url = host.rstrip("/")
        costs = _measure_at(url, viewport)
    else:
        url, costs = _measure_native(stage, viewport)
    result = to_result(stage, url, label, viewport, costs)
    path = out or result_path(stage, label, viewport)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    click.echo(table(result, old))
    click.echo(f"\nwrote {path}")


def _measure_at(url: str, viewport: str) -> list[PageCost]:
    from common.bench.stage import wait_ready

    wait_ready(url)
    with chromium() as browser:
        return measure(browser, url, viewport)


def _measure_native(stage: str, viewport: str) -> tuple[str, list[PageCost]]:
    from common.bench.stage import bring_up
    from common.commands.stage import seed_if_empty

    def report(service: str, event: str, detail: str) -> None:
        click.echo(f"  {service:<10} {event:<9} {detail}")

    running = bring_up(stage, None, report)
    try:
        seed_if_empty(stage)
        url = running.state.url or ""
        return url, _measure_at(url, viewport)
    finally:
        if running.started_here:
            click.echo(f"stopping {stage} (started by this command)")
            running.supervisor.down()
