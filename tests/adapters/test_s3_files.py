"""What only the object store adapter does, against a real MinIO: the public-read bucket it
creates, URLs a browser fetches without the app, and failures that become ``Unavailable``."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from common.adapters.s3_files import S3FileStore, Timeouts
from common.config import ConfigError, Settings
from common.domain.errors import Unavailable

pytestmark = pytest.mark.servers

StoreFactory = Callable[[str], S3FileStore]


def fresh_bucket() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


def anonymous(method: str, url: str, data: bytes | None = None) -> tuple[int, bytes, str]:
    """One request with no credentials at all, as a browser sends it."""
    request = urllib.request.Request(url, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")


def test_a_browser_fetches_the_public_url_without_credentials(
    s3_store_factory: StoreFactory,
) -> None:
    store = s3_store_factory(fresh_bucket())
    store.create_bucket()
    store.put("products/0000001.png", b"\x89PNG-bytes", "image/png")
    status, body, content_type = anonymous("GET", store.url("products/0000001.png"))
    assert (status, body, content_type) == (200, b"\x89PNG-bytes", "image/png")


def test_a_browser_may_keep_an_image_a_day_and_then_revalidate_it(
    s3_store_factory: StoreFactory,
) -> None:
    store = s3_store_factory(fresh_bucket())
    store.create_bucket()
    store.put("products/0000001.webp", b"RIFF-bytes", "image/webp")
    url = store.url("products/0000001.webp")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Cache-Control"] == "public, max-age=86400"
        etag = response.headers["ETag"]
    assert etag
    again = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(again, timeout=10)
    assert not_modified.value.code == 304


def test_a_missing_object_is_a_404_at_its_public_url(s3_store_factory: StoreFactory) -> None:
    store = s3_store_factory(fresh_bucket())
    store.create_bucket()
    status, _, _ = anonymous("GET", store.url("products/missing.png"))
    assert status == 404


def test_anonymous_clients_can_neither_list_nor_write(s3_store_factory: StoreFactory) -> None:
    bucket = fresh_bucket()
    store = s3_store_factory(bucket)
    store.create_bucket()
    store.put("products/1.png", b"x", "image/png")
    bucket_url = store.url("products/1.png").rsplit("/products/", 1)[0]
    assert anonymous("GET", bucket_url + "?list-type=2")[0] == 403
    assert anonymous("PUT", store.url("products/evil.png"), b"evil")[0] == 403
    assert anonymous("DELETE", store.url("products/1.png"))[0] == 403
    assert store.get("products/1.png") == b"x" and not store.exists("products/evil.png")


def test_creating_the_bucket_is_idempotent_and_safe_from_every_worker_at_once(
    s3_store_factory: StoreFactory,
) -> None:
    bucket = fresh_bucket()
    stores = [s3_store_factory(bucket) for _ in range(6)]
    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda s: s.create_bucket(), stores))
    stores[0].put("products/1.png", b"x", "image/png")
    stores[1].create_bucket()  # again, with an object in it: nothing is lost
    assert stores[2].get("products/1.png") == b"x"


def test_a_bucket_not_created_yet_is_unready(s3_store_factory: StoreFactory) -> None:
    with pytest.raises(Unavailable, match="does not exist"):
        s3_store_factory(fresh_bucket()).check()


def test_wrong_credentials_are_unready(minio_endpoint: tuple[str, str, str]) -> None:
    endpoint, access_key, _ = minio_endpoint
    store = S3FileStore(endpoint, access_key=access_key, secret_key="wrong", bucket="any")
    with pytest.raises(Unavailable):
        store.check()


def dead_endpoint() -> str:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.check(),
        lambda s: s.get("products/1.png"),
        lambda s: s.exists("products/1.png"),
        lambda s: s.put("products/1.png", b"x", "image/png"),
        lambda s: s.create_bucket(),
    ],
    ids=["check", "get", "exists", "put", "create_bucket"],
)
def test_an_unreachable_store_is_unavailable_not_a_raw_error(
    call: Callable[[S3FileStore], object],
) -> None:
    store = S3FileStore(
        dead_endpoint(),
        access_key="a",
        secret_key="b",
        bucket="product-images",
        timeouts=Timeouts(connect=0.5, read=0.5, probe=0.5),
    )
    with pytest.raises(Unavailable, match="object store"):
        call(store)


def test_the_public_url_is_the_browsers_not_the_apps() -> None:
    store = S3FileStore(
        "http://minio:9000",
        access_key="a",
        secret_key="b",
        bucket="product-images",
        public_url="http://localhost:9000/",
    )
    assert store.url("products/0000042.png") == (
        "http://localhost:9000/product-images/products/0000042.png"
    )


def test_settings_without_an_endpoint_are_a_config_error() -> None:
    settings = Settings.from_env({"SHOP_DATABASE_URL": "sqlite://", "SHOP_SECRET_KEY": "k"})
    with pytest.raises(ConfigError, match="SHOP_S3_ENDPOINT"):
        S3FileStore.from_settings(settings)
