from __future__ import annotations

import pytest

from common.domain.errors import (
    Conflict,
    EmailTaken,
    InvalidInput,
    NotFound,
    OutOfStock,
    Unauthenticated,
)
from common.services.accounts import AccountService
from common.services.carts import CartService
from tests.fakes import FakeCatalog, FakeUnitOfWork, Tables


def test_a_registered_user_can_log_in_with_any_email_case(accounts: AccountService) -> None:
    user = accounts.register("Ann@Example.com", "secret-pw", "Ann")
    assert user.email == "ann@example.com"
    assert accounts.authenticate("ANN@example.COM", "secret-pw").id == user.id


def test_passwords_are_stored_hashed(accounts: AccountService) -> None:
    user = accounts.register("a@b.co", "secret-pw", "Ann")
    assert user.password_hash != "secret-pw"


def test_an_email_registers_once(accounts: AccountService) -> None:
    accounts.register("a@b.co", "secret-pw", "Ann")
    with pytest.raises(EmailTaken):
        accounts.register("A@B.CO", "other-pw1", "Bob")


@pytest.mark.parametrize(
    ("email", "password", "name"),
    [
        ("not-an-email", "secret-pw", "Ann"),
        ("a@b.co", "short", "Ann"),
        ("a@b.co", "secret-pw", ""),
        ("a@b.co", "secret-pw", "x" * 101),
        ("a@b.co", "secret-pw", "nul\x00byte"),
        ("a@b.co", "secret\ud800pw", "Ann"),
        ("a" * 250 + "@b.co", "secret-pw", "Ann"),
    ],
)
def test_malformed_registrations_are_refused(
    accounts: AccountService, email: str, password: str, name: str
) -> None:
    with pytest.raises(InvalidInput):
        accounts.register(email, password, name)


def test_unicode_names_are_welcome(accounts: AccountService) -> None:
    assert accounts.register("z@b.co", "secret-pw", "Zoë 🚀 עברית").name == "Zoë 🚀 עברית"


@pytest.mark.parametrize(("email", "password"), [("a@b.co", "wrong-pw1"), ("x@b.co", "secret-pw")])
def test_wrong_credentials_do_not_say_which_part_was_wrong(
    accounts: AccountService, email: str, password: str
) -> None:
    accounts.register("a@b.co", "secret-pw", "Ann")
    with pytest.raises(Unauthenticated, match="wrong email or password"):
        accounts.authenticate(email, password)


def test_a_cart_line_is_priced_from_the_catalog(carts: CartService) -> None:
    cart = carts.set_quantity(7, 2, 3)
    assert [(line.product.id, line.qty) for line in cart.lines] == [(2, 3)]
    assert cart.total_cents == 600


def test_quantity_zero_removes_a_line(carts: CartService) -> None:
    carts.set_quantity(7, 2, 3)
    assert carts.set_quantity(7, 2, 0).lines == []


@pytest.mark.parametrize("qty", [-1, 100, 10**30])
def test_quantities_out_of_range_are_refused(carts: CartService, qty: int) -> None:
    with pytest.raises(InvalidInput):
        carts.set_quantity(7, 1, qty)


def test_unknown_products_cannot_be_added(carts: CartService) -> None:
    with pytest.raises(NotFound):
        carts.set_quantity(7, 999, 1)


def test_more_than_the_stock_cannot_be_added(carts: CartService) -> None:
    with pytest.raises(OutOfStock):
        carts.set_quantity(7, 1, 11)


def test_carts_are_per_user(carts: CartService) -> None:
    carts.set_quantity(7, 1, 1)
    assert carts.cart(8).lines == []


def test_a_cart_write_that_lost_a_race_is_retried(tables: Tables) -> None:
    attempts = []

    class ConflictOnce(FakeUnitOfWork):
        def commit(self) -> None:
            attempts.append(1)
            if len(attempts) == 1:
                raise Conflict("deadlock")
            super().commit()

    carts = CartService(lambda: ConflictOnce(tables), FakeCatalog(tables))
    assert [(line.product.id, line.qty) for line in carts.set_quantity(7, 1, 2).lines] == [(1, 2)]
    assert len(attempts) == 2
