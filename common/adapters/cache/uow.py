"""Stock changed by checkout invalidates the cache, with no change to the services: the
unit-of-work factory is decorated so that ``stock.reserve``/``stock.release`` record the
products they touch, and a successful ``commit()`` invalidates exactly those. A rolled-back
unit of work changed nothing and invalidates nothing.

Checkout itself never trusts the cache: ``reserve`` is the database's conditional UPDATE.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from common.adapters.cache.keys import PRODUCTS, product_key
from common.adapters.cache.twolevel import TwoLevelCache
from common.ports import (
    CartRepository,
    OrderRepository,
    StockRepository,
    UnitOfWork,
    UserRepository,
)


class _RecordingStock:
    def __init__(self, inner: StockRepository, touched: set[int]) -> None:
        self._inner = inner
        self._touched = touched

    def reserve(self, product_id: int, qty: int) -> bool:
        taken = self._inner.reserve(product_id, qty)
        if taken:
            self._touched.add(product_id)
        return taken

    def release(self, product_id: int, qty: int) -> None:
        self._inner.release(product_id, qty)
        self._touched.add(product_id)


class InvalidatingUnitOfWork:
    def __init__(self, inner: UnitOfWork, cache: TwoLevelCache) -> None:
        self._inner = inner
        self._cache = cache
        self._touched: set[int] = set()
        self._entered: UnitOfWork = inner

    def __enter__(self) -> Self:
        self._entered = self._inner.__enter__()
        self._stock = _RecordingStock(self._entered.stock, self._touched)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._touched.clear()  # anything not committed is rolled back: nothing to drop
        self._inner.__exit__(exc_type, exc, tb)

    @property
    def users(self) -> UserRepository:
        return self._entered.users

    @property
    def carts(self) -> CartRepository:
        return self._entered.carts

    @property
    def orders(self) -> OrderRepository:
        return self._entered.orders

    @property
    def stock(self) -> StockRepository:
        return self._stock

    def commit(self) -> None:
        self._inner.commit()
        if self._touched:
            touched, self._touched = sorted(self._touched), set()
            self._cache.invalidate([product_key(i) for i in touched], [PRODUCTS])


def invalidating_uow(
    factory: Callable[[], UnitOfWork], cache: TwoLevelCache
) -> Callable[[], UnitOfWork]:
    return lambda: InvalidatingUnitOfWork(factory(), cache)
