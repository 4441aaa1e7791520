"""The FileStore contract, checked against every adapter: the local disk (stage01) and an
S3-compatible object store (stage02+, a real MinIO started by the native runner).

Whatever adapter a stage plugs in, the seeder and the web layer see the same behaviour: bytes
read back exactly, a missing key is ``None``/``False`` (never an error), keys cannot escape
the store, and ``check()`` passes when the store is usable.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from common.adapters.local_files import LocalFileStore
from common.adapters.s3_files import S3FileStore
from common.domain.errors import Unavailable
from common.ports import FileStore

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # every byte value, past one read chunk


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.servers)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FileStore]:
    if request.param == "local":
        yield LocalFileStore(tmp_path / "images")
        return
    s3: S3FileStore = request.getfixturevalue("s3_store_factory")(f"t-{uuid.uuid4().hex[:12]}")
    s3.create_bucket()
    yield s3


def test_stored_bytes_read_back_exactly(store: FileStore) -> None:
    store.put("products/0000001.png", PNG, "image/png")
    assert store.get("products/0000001.png") == PNG
    assert store.exists("products/0000001.png")


def test_a_missing_key_is_none_not_an_error(store: FileStore) -> None:
    assert store.get("products/missing.png") is None
    assert not store.exists("products/missing.png")


def test_a_put_replaces_the_whole_object(store: FileStore) -> None:
    store.put("products/2.png", PNG, "image/png")
    store.put("products/2.png", b"short", "image/png")
    assert store.get("products/2.png") == b"short"


def test_keys_are_independent(store: FileStore) -> None:
    store.put("products/3.png", b"three", "image/png")
    store.put("products/30.png", b"thirty", "image/png")
    assert store.get("products/3.png") == b"three"
    assert not store.exists("products/3")


@pytest.mark.parametrize("key", ["../etc/passwd", "products/../../x", "/abs", ""])
def test_keys_cannot_escape_the_store(store: FileStore, key: str) -> None:
    assert store.get(key) is None
    assert not store.exists(key)
    with pytest.raises(ValueError):
        store.put(key, b"x", "image/png")


def test_the_url_names_the_key(store: FileStore) -> None:
    assert store.url("products/0000042.png").endswith("/products/0000042.png")


def test_a_usable_store_is_ready(store: FileStore) -> None:
    store.put("products/1.png", b"x", "image/png")  # the local store makes its dir on put
    store.check()


# ---- what differs by design ----------------------------------------------------------------


def test_local_files_are_served_by_the_app(tmp_path: Path) -> None:
    assert LocalFileStore(tmp_path).url("products/1.png") == "/images/products/1.png"


def test_a_missing_directory_is_reported_unready(tmp_path: Path) -> None:
    with pytest.raises(Unavailable):
        LocalFileStore(tmp_path / "missing").check()
