"""One running deployment of the shop for a test session, and a plain HTTP client for it.

The behaviour suite and the browser test import :func:`stage_deployment` into their
``conftest.py``. Both get the *same* deployment: the first use brings the stage up with the
native runner (in a private temporary run directory, so a stage the user runs is
never touched; the runner picks another port when 8000 is taken), seeds a small data set
through the stage's composition root with the running app's environment, and registers the
teardown (``down(purge=True)``) for the end of the session. With ``--base-url`` nothing is
started: an already running, already seeded deployment is tested as it is.

The client is the standard library only (``http.client``): the suite must speak HTTP the way
any outside client does, with no Flask test client and nothing that hides status codes,
redirects or headers.
"""

from __future__ import annotations

import http.client
import itertools
import json
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import yaml

from tests.stage_options import DEFAULT_STAGE

MANIFEST_PATH = Path(__file__).parent / "behaviour" / "manifest.yaml"
ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "test-artifacts"
SEED_PRODUCTS = 200
# Seeded users share one password hash: handing them to tests saves a slow hash per user.
SEED_USERS = 400
SEEDED_PASSWORD = "password123"
HTTP_TIMEOUT_S = 30.0

_NO_BODY = object()


# ---- the HTTP client ---------------------------------------------------------------------


@dataclass
class HttpResponse:
    status: int
    headers: Message
    body: bytes
    method: str
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise AssertionError(
                f"{self.method} {self.url} -> {self.status} is not JSON: {self.text[:300]!r}"
            ) from exc

    def set_cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        url = self.url if len(self.url) <= 160 else self.url[:150] + "...(long)"
        return f"<{self.method} {url} -> {self.status} {self.text[:400]!r}>"


class HttpClient:
    """One user agent: its own cookie jar, no redirects followed, a new connection per call
    (so one client may be used from many threads). ``source_address`` sends from another
    loopback address (127.0.0.N): a client the shop sees as another machine."""

    def __init__(
        self,
        base_url: str,
        *,
        ssl_context: ssl.SSLContext | None = None,
        source_address: str | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._scheme = parts.scheme
        self._netloc = parts.netloc
        self._prefix = parts.path.rstrip("/")
        self.cookies: dict[str, str] = {}
        self._lock = threading.Lock()
        self._ssl_context = ssl_context
        self._source = (source_address, 0) if source_address else None

    # -- requests --

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = _NO_BODY,
        data: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        cookies: bool = True,
    ) -> HttpResponse:
        """``json_body`` is encoded as application/json; ``data`` is sent as is (raw bytes
        for malformed bodies), with ``content_type`` if given."""
        target = path if path.startswith("http") else self._prefix + path
        if params:
            target += ("&" if "?" in target else "?") + urlencode(params)
        send_headers: dict[str, str] = {"Accept": "application/json"}
        body: bytes | None = None
        if json_body is not _NO_BODY:
            body = json.dumps(json_body).encode()
            send_headers["Content-Type"] = "application/json"
        elif data is not None:
            body = data.encode() if isinstance(data, str) else data
        if content_type is not None:
            send_headers["Content-Type"] = content_type
        if cookies and self.cookies:
            with self._lock:
                send_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        send_headers.update(headers or {})
        netloc, scheme = self._netloc, self._scheme
        if target.startswith("http"):
            absolute = urlsplit(target)
            scheme, netloc = absolute.scheme, absolute.netloc
            target = absolute.path + (f"?{absolute.query}" if absolute.query else "")
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                netloc,
                timeout=HTTP_TIMEOUT_S,
                context=self._ssl_context,
                source_address=self._source,
            )
        else:
            connection = http.client.HTTPConnection(
                netloc, timeout=HTTP_TIMEOUT_S, source_address=self._source
            )
        try:
            connection.request(method, target, body=body, headers=send_headers)
            raw = connection.getresponse()
            payload = raw.read()
        finally:
            connection.close()
        response = HttpResponse(raw.status, raw.headers, payload, method, target)
        if cookies:
            self._remember(response)
        return response

    def get(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> HttpResponse:
        return self.request("DELETE", path, **kwargs)

    def _remember(self, response: HttpResponse) -> None:
        for header in response.set_cookies():
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            with self._lock:
                for name, morsel in jar.items():
                    expired = morsel["max-age"] == "0" or (
                        morsel["expires"] and "1970" in morsel["expires"]
                    )
                    if expired or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value

    # -- the shop's API, for arranging a test (the checks themselves call request()) --

    def login(self, email: str, password: str) -> HttpResponse:
        response = self.post("/api/sessions", json_body={"email": email, "password": password})
        assert response.status == 200, response
        return response

    def put_in_cart(self, product_id: int, qty: int) -> HttpResponse:
        response = self.put(f"/api/cart/items/{product_id}", json_body={"qty": qty})
        assert response.status == 200, response
        return response

    def place_order(self, key: str | None = None) -> HttpResponse:
        return self.post(
            "/api/orders",
            json_body={},
            headers={"Idempotency-Key": key or f"test-{uuid.uuid4()}"},
        )

    def product(self, product_id: int) -> dict[str, Any]:
        response = self.get(f"/api/products/{product_id}")
        assert response.status == 200, response
        return dict(response.json())

    def absolute(self, url: str) -> str:
        return urljoin(self.base_url + "/", url)


def artifacts_dir() -> Path:
    """<repo>/test-artifacts: what a failed run leaves for a person (ignored by git)."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    ignore = ARTIFACTS_DIR / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")
    return ARTIFACTS_DIR


# ---- the manifest ------------------------------------------------------------------------


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict) and "checks" in data and "stages" in data, path
    return data


def check_applies(manifest: Mapping[str, Any], stage: str, check: str) -> tuple[bool, str]:
    """(applies, reason) for one named check of the manifest on one stage."""
    checks: Mapping[str, Any] = manifest["checks"]
    if check not in checks:
        raise KeyError(f"check {check!r} is not declared in {MANIFEST_PATH.name}")
    if stage not in manifest["stages"]:
        return False, f"stage {stage!r} is not listed in {MANIFEST_PATH.name}"
    stages = checks[check].get("stages", "all")
    if stages == "all" or stage in stages:
        return True, ""
    why = checks[check].get("why", "")
    return False, f"check {check!r} does not apply to {stage} ({MANIFEST_PATH.name}: {why})"


# ---- the deployment ----------------------------------------------------------------------


@dataclass
class Deployment:
    """A running shop: its URL, and (unless --base-url) the stage's Shop, assembled by the
    composition root with the running app's settings, for arranging data (e.g. stock)."""

    stage: str
    base_url: str
    shop: Any | None  # common.shop.Shop; None when testing an external deployment
    manifest: dict[str, Any]
    seeded_users: int
    ca_file: Path | None = None  # the stage's own CA (https stages), for other clients
    ssl_context: ssl.SSLContext | None = None  # a client context trusting it
    # The runner's supervisor of the stage (None with --base-url): for tests that stop and
    # start its servers (tests/stage07), always putting them back.
    supervisor: Any | None = None
    _used_products: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _user_numbers: Iterator[int] = field(default_factory=lambda: itertools.count(2))
    _addresses: Iterator[str] = field(default_factory=lambda: _loopback_addresses())

    def client(self, *, source_address: str | None = None) -> HttpClient:
        """A new anonymous user agent with an empty cookie jar. On loopback each comes from
        an address of its own in 127.0.0.0/8, as different people's browsers do: limits per
        client address (stage04's edge, the app's failed-login limit) count each apart."""
        if source_address is None and self.on_loopback():
            with self._lock:
                source_address = next(self._addresses)
        return HttpClient(
            self.base_url, ssl_context=self.ssl_context, source_address=source_address
        )

    def on_loopback(self) -> bool:
        return urlsplit(self.base_url).hostname in ("127.0.0.1", "localhost")

    def new_user(self, *, log_in: bool = True) -> tuple[HttpClient, dict[str, str]]:
        """A user no other test has used, logged in: (client, credentials). A seeded user
        when there are unused ones (a login costs one password hash, a registration two),
        else one registered through the API."""
        client = self.client()
        with self._lock:
            n = next(self._user_numbers)
        if n <= self.seeded_users:
            creds = {"email": self.seeded_email(n), "password": SEEDED_PASSWORD}
            creds["name"] = f"User {n}"
            if log_in:
                client.login(creds["email"], creds["password"])
            return client, creds
        creds = {
            "email": f"t{uuid.uuid4().hex[:16]}@example.com",
            "password": "correct horse battery",
            "name": "Test Buyer",
        }
        response = client.post("/api/users", json_body=creds)
        assert response.status == 201, response
        if log_in:
            client.login(creds["email"], creds["password"])
        return client, creds

    def seeded_email(self, n: int) -> str:
        return f"user{n}@example.com"

    def take_products(self, count: int = 1, *, min_stock: int = 20) -> list[dict[str, Any]]:
        """Products no other test of this session has taken, with at least ``min_stock``
        units: tests that buy never compete for the same stock."""
        taken: list[dict[str, Any]] = []
        client = self.client()
        for page in itertools.count(1):
            listing = client.get("/api/products", params={"page": page, "per_page": 100})
            assert listing.status == 200, listing
            items = listing.json()["items"]
            if not items:
                break
            with self._lock:
                for product in items:
                    if product["stock"] >= min_stock and product["id"] not in self._used_products:
                        self._used_products.add(product["id"])
                        taken.append(product)
                        if len(taken) == count:
                            return taken
        raise AssertionError(f"fewer than {count} unused products with stock >= {min_stock}")

    def set_stock(self, product_id: int, stock: int) -> None:
        if self.shop is None:
            pytest.skip("setting stock needs the stage's composition root (not with --base-url)")
        with self._lock:
            self._used_products.add(product_id)
        written = time.monotonic()
        updated = self.shop.operations.catalog.update_product(product_id, stock=stock)
        assert updated is not None and updated.stock == stock
        # Caching stages show an admin's change within their documented staleness bound.
        bound = float(self.manifest.get("catalog_staleness_seconds", {}).get(self.stage, 0))
        if bound:
            time.sleep(max(0.0, written + bound + 0.2 - time.monotonic()))
        shown = self.client().product(product_id)["stock"]
        assert shown == stock, f"stock of {product_id} shows {shown}, not {stock}, after {bound}s"

    def applies(self, check: str) -> tuple[bool, str]:
        return check_applies(self.manifest, self.stage, check)


def _loopback_addresses() -> Iterator[str]:
    """127.0.1.1, 127.0.1.2, ...: loopback addresses no test names itself (those that test a
    limit per address choose their own in 127.0.0.x), cycling after 64,000."""
    while True:
        for high in range(1, 251):
            for low in range(1, 255):
                yield f"127.0.{high}.{low}"


_DEPLOYMENT_KEY = pytest.StashKey[Deployment]()


def _app_settings(stage: Any, state: Any) -> Any:
    """The shop's settings: its settings service's environment (common/runtime/roles.py)."""
    from common.config import Settings
    from common.runtime import roles

    return Settings.from_env(roles.settings_environment(stage, state))


def _wait_ready(base_url: str, timeout: float, ssl_context: ssl.SSLContext | None = None) -> None:
    client = HttpClient(base_url, ssl_context=ssl_context)
    deadline = time.monotonic() + timeout
    last: HttpResponse | OSError | None = None
    while time.monotonic() < deadline:
        try:
            last = client.get("/readyz", cookies=False)
            if last.status == 200:
                return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{base_url} is not ready after {timeout:.0f}s: {last!r}")


def _wait_for_search_index(search_url: str | None, products: int, timeout: float) -> None:
    """A stage with a search engine (stage08 on) indexes what the suite just seeded through
    its events, a moment later: searching before that would test the race, not the shop."""
    if not search_url:
        return
    from common.adapters.search.client import make_client
    from common.adapters.search.errors import SearchUnavailable
    from common.adapters.search.indexer import SearchIndexer

    indexer = SearchIndexer(make_client(search_url, timeout=5.0, retries=0))
    deadline = time.monotonic() + timeout
    indexed: int | str = 0
    while time.monotonic() < deadline:
        try:
            indexed = indexer.count()
        except SearchUnavailable as exc:
            indexed = str(exc)
        if isinstance(indexed, int) and indexed >= products:
            return
        time.sleep(0.2)
    raise AssertionError(f"the search index holds {indexed} of {products} seeded products")


def _bring_up(config: pytest.Config, session: pytest.Session) -> Deployment:
    stage = str(config.getoption("--stage", default=DEFAULT_STAGE))
    base_url = config.getoption("--base-url", default=None)
    timeout = float(config.getoption("--stage-timeout", default=240.0))
    manifest = load_manifest()
    if stage not in manifest["stages"]:
        raise pytest.UsageError(f"--stage {stage}: not listed in {MANIFEST_PATH}")

    if base_url:
        _wait_ready(str(base_url), min(timeout, 30.0))
        return Deployment(stage, str(base_url).rstrip("/"), None, manifest, seeded_users=0)

    from common.runtime.compose import load_stage
    from common.runtime.supervisor import Supervisor
    from common.seed import SeedSize, seed_shop
    from common.stages import composition_root
    from common.tls import ca_file_in, client_context

    # Not under pytest's basetemp: servers that run as their own user (RabbitMQ as rabbitmq)
    # must reach their directories, and every pytest session that starts meanwhile resets
    # /tmp/pytest-of-<user> to mode 0700.
    run_dir = Path(tempfile.mkdtemp(prefix=f"shop-{stage}-"))
    supervisor = Supervisor(load_stage(stage), run_dir=run_dir)

    def tear_down() -> None:
        try:
            if session.testsfailed:  # keep the servers' logs: the other half of a failure
                keep = artifacts_dir() / f"{stage}-logs"
                shutil.rmtree(keep, ignore_errors=True)
                shutil.copytree(supervisor.run_dir / "logs", keep, dirs_exist_ok=True)
        finally:
            supervisor.down(purge=True)
            shutil.rmtree(run_dir, ignore_errors=True)

    config.add_cleanup(tear_down)
    state = supervisor.up(timeout=timeout)
    assert state.url, f"{stage} publishes no port"
    settings = _app_settings(supervisor.stage, state)
    shop = composition_root(stage).build_shop(settings)
    seed_shop(shop.operations, SeedSize(products=SEED_PRODUCTS, users=SEED_USERS))
    _wait_for_search_index(settings.search_url, shop.operations.catalog.count_products(), timeout)
    # An https stage (stage04 on) serves a certificate of its own CA: trust that one.
    ca_file = ca_file_in(state.run_dir) if state.url.startswith("https") else None
    context = client_context(ca_file) if ca_file else None
    _wait_ready(state.url, timeout, context)
    return Deployment(
        stage,
        state.url,
        shop,
        manifest,
        seeded_users=SEED_USERS,
        ca_file=ca_file,
        ssl_context=context,
        supervisor=supervisor,
    )


@pytest.fixture(scope="session")
def stage_deployment(request: pytest.FixtureRequest) -> Deployment:
    """The deployment under test, shared by every conftest that imports this fixture."""
    config = request.config
    deployment = config.stash.get(_DEPLOYMENT_KEY, None)
    if deployment is None:
        deployment = _bring_up(config, request.session)
        config.stash[_DEPLOYMENT_KEY] = deployment
    return deployment


# ---- the manifest marker -----------------------------------------------------------------


def applies(check: str) -> pytest.MarkDecorator:
    """Mark a test as the named manifest check: skipped on stages it does not apply to."""
    return pytest.mark.applies(check)


def register_markers(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "applies(check): a check of tests/behaviour/manifest.yaml, per stage"
    )


def skip_unless_applicable(item: pytest.Item) -> None:
    """For pytest_runtest_setup: skip an item whose manifest check does not apply."""
    stage = str(item.config.getoption("--stage", default=DEFAULT_STAGE))
    manifest = load_manifest()
    for marker in item.iter_markers("applies"):
        ok, reason = check_applies(manifest, stage, str(marker.args[0]))
        if not ok:
            pytest.skip(reason)
