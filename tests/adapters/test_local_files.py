from __future__ import annotations

from pathlib import Path

import pytest

from common.adapters.local_files import LocalFileStore
from common.domain.errors import Unavailable


def test_stored_files_read_back_and_have_a_url(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    store.put("products/1.png", b"png-bytes", "image/png")
    assert store.get("products/1.png") == b"png-bytes"
    assert store.exists("products/1.png")
    assert store.url("products/1.png") == "/images/products/1.png"
    assert store.get("products/2.png") is None and not store.exists("products/2.png")
    store.check()


@pytest.mark.parametrize("key", ["../etc/passwd", "products/../../x", "/abs", ""])
def test_keys_cannot_escape_the_store(tmp_path: Path, key: str) -> None:
    store = LocalFileStore(tmp_path / "root")
    assert store.get(key) is None
    with pytest.raises(ValueError):
        store.put(key, b"x", "image/png")


def test_a_missing_directory_is_reported_unready(tmp_path: Path) -> None:
    with pytest.raises(Unavailable):
        LocalFileStore(tmp_path / "missing").check()
