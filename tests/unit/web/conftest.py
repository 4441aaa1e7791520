"""The web layer over in-memory fakes: Flask's test client, no server, no database.

These tests check what the views and the error mapping do (statuses, redirects, forms, the
JSON shapes); the same behaviour against real servers is the behaviour suite's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from common.config import Settings
from common.domain.models import Category, Product
from common.shop import Shop, assemble_shop
from common.web import create_web_app
from tests.fakes import (
    FakeCatalog,
    FakeInventory,
    FakePayment,
    FakeSessions,
    FakeUnitOfWork,
    PlainHasher,
    Tables,
    product,
)

PASSWORD = "a long enough password"


class MemoryFiles:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.blobs[key] = data

    def get(self, key: str) -> bytes | None:
        return self.blobs.get(key)

    def exists(self, key: str) -> bool:
        return key in self.blobs

    def url(self, key: str) -> str:
        return f"/images/{key}"

    def check(self) -> None:
        pass


class UnusedCatalogWriter:
    """The web layer never writes the catalog; any call is a bug in the test."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the web layer called the catalog writer's {name}")


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    t.categories = [Category("misc", "Miscellany")]
    for pid in (1, 2, 3):
        t.products[pid] = product(pid, stock=5, price_cents=pid * 100)
    return t


@pytest.fixture
def payment() -> FakePayment:
    return FakePayment()


@pytest.fixture
def shop(tables: Tables, payment: FakePayment) -> Shop:
    files = MemoryFiles()
    health: Mapping[str, object] = {"files": files}
    return assemble_shop(
        Settings(database_url="fake://", image_dir=Path("unused"), secret_key="test-secret"),
        uow=lambda: FakeUnitOfWork(tables),
        catalog=FakeCatalog(tables),
        catalog_writer=UnusedCatalogWriter(),  # type: ignore[arg-type]
        inventory=FakeInventory(tables),
        payments=payment,
        hasher=PlainHasher(),
        files=files,
        sessions=FakeSessions(),
        health=health,  # type: ignore[arg-type]
    )


@pytest.fixture
def app(shop: Shop) -> Flask:
    app = create_web_app(shop)
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def customer(client: FlaskClient) -> FlaskClient:
    """A client logged in as a freshly registered customer."""
    body = {"email": "ann@example.com", "password": PASSWORD, "name": "Ann"}
    assert client.post("/api/users", json=body).status_code == 201
    login = {"email": "ann@example.com", "password": PASSWORD}
    assert client.post("/api/sessions", json=login).status_code == 200
    return client


def a_product(tables: Tables, product_id: int = 1) -> Product:
    return tables.products[product_id]
