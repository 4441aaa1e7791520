"""Server-rendered pages for people: the same services as the API, HTML forms with CSRF
tokens (Flask-WTF) instead of JSON."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from common.domain.errors import NotFound, ShopError
from common.domain.models import ProductPage, ProductSort
from common.web.context import log_in, log_out, shop, user_id_or_none
from common.web.errors import status_for
from common.web.guest_cart import (
    add_to_guest_cart,
    guest_cart,
    guest_quantities,
    set_in_guest_cart,
)
from common.web.json_input import query_int
from common.web.security_headers import keep_private

pages = Blueprint("pages", __name__)

PER_PAGE = 24
HOME_PRODUCTS = 12


def _form_int(name: str, default: int = 0) -> int:
    raw = request.form.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else default


LOGIN_FIRST = {"pages.checkout": "Log in to check out: your cart is kept."}

P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
    """A page for signed-in customers: anyone else goes to the login page, and back here
    after logging in. The view reads the user with ``current_user_id()``."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
        if user_id_or_none() is None:
            flash(LOGIN_FIRST.get(request.endpoint or "", "Please log in first."), "info")
            return redirect(url_for("pages.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def current_user_id() -> int:
    user_id = user_id_or_none()
    assert user_id is not None, "only called behind @login_required"
    return user_id


def _safe_next(target: str | None) -> str:
    r"""Where to go after logging in: a path of this site, else the home page.

    Parsed, not prefix-checked: browsers drop tabs and newlines inside a URL and read ``\``
    as ``/``, so ``/<TAB>/evil.example`` or ``/\evil.example`` would leave the site, and CR/LF
    would break the Location header. Only a plain path (with its query) is followed."""
    home_page = url_for("pages.home")
    if not target or len(target) > 2000 or any(c <= " " or c in "\\\x7f" for c in target):
        return home_page
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return home_page
    if parts.path.startswith("//"):
        return home_page
    return urlunsplit(("", "", parts.path, parts.query, ""))


@pages.get("/")
def home() -> str:
    listing = shop().catalog.search(page=1, per_page=HOME_PRODUCTS)
    return render_template("home.html", categories=shop().catalog.categories(), listing=listing)


@pages.get("/c/<slug>")
def category(slug: str) -> str:
    found = shop().catalog.category(slug)  # 404 for a category that does not exist
    sort = _sort()
    listing = shop().catalog.search(
        category=slug, page=query_int("page", 1), per_page=PER_PAGE, sort=sort
    )
    _check_page(listing, found.name)
    return render_template(
        "listing.html",
        title=found.name,
        listing=listing,
        sort=sort,
        sorts=list(ProductSort),
        base_args={"slug": slug},
        hidden_args={},
        endpoint="pages.category",
    )


@pages.get("/search")
def search() -> str:
    q = request.args.get("q", "").strip()
    if not q:  # an empty search is a question not asked yet, not the whole catalog
        return render_template("search.html", q="")
    sort = _sort()
    category = request.args.get("category", "").strip() or None
    prices = PriceFilter.from_args()
    listing = shop().catalog.search(
        text=q,
        category=category,
        page=query_int("page", 1),
        per_page=PER_PAGE,
        sort=sort,
        min_price_cents=prices.low_cents,
        max_price_cents=prices.high_cents,
    )
    _check_page(listing, f"the results for {q!r}")
    # What every link and form of the page carries on (the page number and order aside).
    args = {"q": q, "category": category or "", **prices.args()}
    kept = {name: value for name, value in args.items() if value}
    return render_template(
        "search_results.html",
        title=f"Results for “{q}”",
        q=q,
        listing=listing,
        sort=sort,
        sorts=list(ProductSort),
        base_args=kept,
        hidden_args=kept,
        endpoint="pages.search",
        category=category,
        category_names={c.slug: c.name for c in shop().catalog.categories()},
        prices=prices,
        without=_without(kept),
    )


def _without(args: dict[str, str]) -> Callable[..., dict[str, str]]:
    """For links that drop a filter: the page's arguments minus the given names."""
    return lambda *names: {k: v for k, v in args.items() if k not in names}


@dataclass(frozen=True)
class PriceFilter:
    """The search page's price range, as people type it: dollars, optionally with cents
    ("20", "19.99"). Anything else is no bound (a hand-made link, like an unknown sort), and
    a range typed backwards is read the right way round."""

    low: str = ""
    high: str = ""

    @classmethod
    def from_args(cls) -> PriceFilter:
        low, high = (_price_text(request.args.get(name, "")) for name in ("min_price", "max_price"))
        if low and high and _cents(low) > _cents(high):
            low, high = high, low
        return cls(low, high)

    @property
    def low_cents(self) -> int | None:
        return _cents(self.low) if self.low else None

    @property
    def high_cents(self) -> int | None:
        return _cents(self.high) if self.high else None

    @property
    def active(self) -> bool:
        return bool(self.low or self.high)

    def args(self) -> dict[str, str]:
        return {"min_price": self.low, "max_price": self.high}


_PRICE = re.compile(r"[0-9]{1,6}(\.[0-9]{1,2})?")


def _price_text(raw: str) -> str:
    raw = raw.strip().lstrip("$").strip()
    return raw if _PRICE.fullmatch(raw) else ""


def _cents(price: str) -> int:
    whole, _, fraction = price.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0") or 0)


def _sort() -> ProductSort:
    try:
        return ProductSort(request.args.get("sort", ProductSort.FEATURED.value))
    except ValueError:  # an old or hand-made link: the default order, not an error page
        return ProductSort.FEATURED


def _check_page(listing: ProductPage, what: str) -> None:
    if listing.page > listing.last_page:
        pages = "one page" if listing.last_page == 1 else f"{listing.last_page} pages"
        raise NotFound(f"there is no page {listing.page} of {what}: it has {pages}")


@pages.get("/p/<id:product_id>")
def product(product_id: int) -> str:
    found = shop().catalog.product(product_id)
    names = {c.slug: c.name for c in shop().catalog.categories()}
    return render_template(
        "product.html", product=found, category_name=names.get(found.category, found.category)
    )


@pages.get("/cart")
def cart() -> str | WerkzeugResponse:
    user_id = user_id_or_none()
    if user_id is not None:
        return render_template("cart.html", cart=shop().carts.cart(user_id))
    if not guest_quantities():
        flash("Log in to see your cart.", "info")
        return redirect(url_for("pages.login", next=request.path))
    return render_template("cart.html", cart=guest_cart(shop().carts))


@pages.post("/cart/add")
def add_to_cart() -> WerkzeugResponse:
    product_id, qty = _form_int("product_id"), _form_int("qty", 1)
    user_id = user_id_or_none()
    try:
        if user_id is None:
            added = add_to_guest_cart(shop().carts, product_id, qty)
        else:
            shop().carts.add(user_id, product_id, qty)
            added = shop().catalog.product(product_id)
    except ShopError as exc:
        flash(exc.message, "error")
        return redirect(_back_to_product(product_id))
    flash(f"Added {qty} of {added.name} to your cart.", "success")
    return redirect(url_for("pages.cart"))


def _back_to_product(product_id: int) -> str:
    return url_for("pages.product", product_id=product_id) if product_id else url_for("pages.home")


@pages.post("/cart")
def set_cart_item() -> WerkzeugResponse:
    product_id, qty = _form_int("product_id"), _form_int("qty", -1)
    user_id = user_id_or_none()
    try:
        if user_id is None:
            set_in_guest_cart(shop().carts, product_id, qty)
        else:
            shop().carts.set_quantity(user_id, product_id, qty)
        flash("Removed from your cart." if qty == 0 else "Cart updated.", "success")
    except ShopError as exc:
        flash(exc.message, "error")
    if user_id is None and not guest_quantities():
        return redirect(url_for("pages.home"))  # nothing left to show a guest
    return redirect(url_for("pages.cart"))


@pages.get("/checkout")
@login_required
def checkout() -> str | WerkzeugResponse:
    user_id = current_user_id()
    cart = shop().carts.cart(user_id)
    if not cart.lines:
        flash("Your cart is empty.", "info")
        return redirect(url_for("pages.cart"))
    # A fresh key per checkout page: a double click or a resubmitted form places one order.
    return render_template("checkout.html", cart=cart, idempotency_key=str(uuid.uuid4()))


@pages.post("/checkout")
@login_required
def place_order() -> WerkzeugResponse:
    user_id = current_user_id()
    try:
        order, _ = shop().orders.place(user_id, request.form.get("idempotency_key"))
    except ShopError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.cart"))
    flash(f"Thank you! Order #{order.id} is {order.status.value}.", "success")
    return redirect(url_for("pages.order", order_id=order.id))


@pages.get("/orders")
@login_required
def orders() -> str:
    user_id = current_user_id()
    return render_template("orders.html", orders=shop().orders.orders(user_id))


@pages.get("/orders/<id:order_id>")
@login_required
def order(order_id: int) -> str:
    user_id = current_user_id()
    return render_template("order.html", order=shop().orders.order(user_id, order_id))


@pages.route("/login", methods=["GET", "POST"])
def login() -> str | WerkzeugResponse | tuple[str, int]:
    keep_private()  # the form's CSRF token belongs to this visitor
    if request.method == "POST":
        try:
            user = shop().accounts.authenticate(
                request.form.get("email", ""), request.form.get("password", "")
            )
        except ShopError as exc:
            flash(exc.message, "error")
            return render_template("login.html", email=request.form.get("email", "")), 401
        log_in(user.id)
        flash(f"Welcome back, {user.name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", email="")


@pages.route("/register", methods=["GET", "POST"])
def register() -> str | WerkzeugResponse | tuple[str, int]:
    keep_private()
    if request.method == "POST":
        form = request.form
        try:
            user = shop().accounts.register(
                form.get("email", ""), form.get("password", ""), form.get("name", "")
            )
        except ShopError as exc:
            flash(exc.message, "error")
            return render_template("register.html", form=form), status_for(exc)
        log_in(user.id)
        flash(f"Welcome, {user.name}! Your account is ready.", "success")
        return redirect(url_for("pages.home"))
    return render_template("register.html", form={})


@pages.post("/logout")
def logout() -> WerkzeugResponse:
    log_out()
    flash("You are logged out.", "success")
    return redirect(url_for("pages.home"))
