"""Server-rendered pages for people: the same services as the API, HTML forms with CSRF
tokens (Flask-WTF) instead of JSON."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from common.domain.errors import ShopError
from common.web.context import log_in, log_out, shop, user_id_or_none
from common.web.errors import status_for
from common.web.json_input import query_int
from common.web.security_headers import keep_private

pages = Blueprint("pages", __name__)

PER_PAGE = 24


def _form_int(name: str, default: int = 0) -> int:
    raw = request.form.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else default


P = ParamSpec("P")
R = TypeVar("R")


def login_required(view: Callable[P, R]) -> Callable[P, R | WerkzeugResponse]:
    """A page for signed-in customers: anyone else goes to the login page, and back here
    after logging in. The view reads the user with ``current_user_id()``."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | WerkzeugResponse:
        if user_id_or_none() is None:
            flash("Please log in first.")
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
    listing = shop().catalog.search(page=1, per_page=12)
    return render_template("home.html", categories=shop().catalog.categories(), listing=listing)


@pages.get("/c/<slug>")
def category(slug: str) -> str:
    listing = shop().catalog.search(category=slug, page=query_int("page", 1), per_page=PER_PAGE)
    names = {c.slug: c.name for c in shop().catalog.categories()}
    return render_template(
        "listing.html",
        title=names.get(slug, slug),
        listing=listing,
        base_args={"slug": slug},
        endpoint="pages.category",
    )


@pages.get("/search")
def search() -> str:
    q = request.args.get("q", "")
    listing = shop().catalog.search(text=q, page=query_int("page", 1), per_page=PER_PAGE)
    return render_template(
        "listing.html",
        title=f"Search: {q}",
        listing=listing,
        base_args={"q": q},
        endpoint="pages.search",
    )


@pages.get("/p/<id:product_id>")
def product(product_id: int) -> str:
    return render_template("product.html", product=shop().catalog.product(product_id))


@pages.get("/cart")
@login_required
def cart() -> str:
    user_id = current_user_id()
    return render_template("cart.html", cart=shop().carts.cart(user_id))


@pages.post("/cart")
@login_required
def set_cart_item() -> WerkzeugResponse:
    user_id = current_user_id()
    product_id, qty = _form_int("product_id"), _form_int("qty", -1)
    try:
        shop().carts.set_quantity(user_id, product_id, qty)
        flash("Cart updated.")
    except ShopError as exc:
        flash(exc.message)
    return redirect(url_for("pages.cart"))


@pages.get("/checkout")
@login_required
def checkout() -> str | WerkzeugResponse:
    user_id = current_user_id()
    cart = shop().carts.cart(user_id)
    if not cart.lines:
        flash("Your cart is empty.")
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
        flash(exc.message)
        return redirect(url_for("pages.cart"))
    flash(f"Thank you! Order #{order.id} is {order.status.value}.")
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
            flash(exc.message)
            return render_template("login.html", email=request.form.get("email", "")), 401
        log_in(user.id)
        flash(f"Welcome back, {user.name}.")
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
            flash(exc.message)
            return render_template("register.html", form=form), status_for(exc)
        log_in(user.id)
        flash(f"Welcome, {user.name}! Your account is ready.")
        return redirect(url_for("pages.home"))
    return render_template("register.html", form={})


@pages.post("/logout")
def logout() -> WerkzeugResponse:
    log_out()
    flash("You are logged out.")
    return redirect(url_for("pages.home"))
