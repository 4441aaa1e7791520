from __future__ import annotations

import pytest

from common.services.accounts import AccountService
from common.services.carts import CartService
from common.services.orders import OrderService
from tests.fakes import (
    FakeCatalog,
    FakeInventory,
    FakePayment,
    FakeUnitOfWork,
    PlainHasher,
    Tables,
    product,
)


@pytest.fixture
def tables() -> Tables:
    t = Tables()
    for pid in (1, 2, 3):
        t.products[pid] = product(pid, stock=10, price_cents=pid * 100)
    return t


@pytest.fixture
def payment() -> FakePayment:
    return FakePayment()


@pytest.fixture
def accounts(tables: Tables) -> AccountService:
    return AccountService(lambda: FakeUnitOfWork(tables), PlainHasher())


@pytest.fixture
def carts(tables: Tables) -> CartService:
    return CartService(lambda: FakeUnitOfWork(tables), FakeCatalog(tables))


@pytest.fixture
def inventory(tables: Tables) -> FakeInventory:
    return FakeInventory(tables)


@pytest.fixture
def orders(
    tables: Tables, carts: CartService, payment: FakePayment, inventory: FakeInventory
) -> OrderService:
    return OrderService(
        lambda: FakeUnitOfWork(tables),
        carts=carts,
        catalog=FakeCatalog(tables),
        inventory=inventory,
        payments=payment,
    )
