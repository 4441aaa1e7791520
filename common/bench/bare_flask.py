"""A bare Flask app that renders the shop's product page from a fixed product: the yardstick
of `shop bench framework` (what the framework and the template cost, nothing else).

Same Flask, same Jinja templates (common/web/templates), same data (the product the stage
answered, passed in SHOP_BARE_PRODUCT as its JSON), served by the same gunicorn command as
the stage's app. No database, cache, session, CSRF state or security headers: whatever the
shop's page costs beyond this app is the shop's own work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, render_template

from common.domain.models import Product
from common.web.templating import money

TEMPLATES = Path(__file__).resolve().parents[1] / "web" / "templates"
STATIC = Path(__file__).resolve().parents[1] / "web" / "static"
# Endpoints the templates link to: rules without views, so url_for builds the same links.
LINKED_ENDPOINTS = {
    "pages.home": "/",
    "pages.search": "/search",
    "pages.category": "/c/<slug>",
    "pages.login": "/login",
    "pages.register": "/register",
    "pages.cart": "/cart",
    "pages.orders": "/orders",
    "pages.logout": "/logout",
    "pages.set_cart_item": "/cart",
}


class _FixedImage:
    def __init__(self, url: str) -> None:
        self._url = url

    def url(self, key: str) -> str:
        return self._url


def create_app() -> Flask:
    raw = os.environ.get("SHOP_BARE_PRODUCT")
    if not raw:
        raise RuntimeError("SHOP_BARE_PRODUCT is not set: the product JSON to render")
    data = json.loads(raw)
    product = Product(
        id=data["id"],
        sku=data["sku"],
        name=data["name"],
        description=data["description"],
        category=data["category"],
        price_cents=data["price_cents"],
        stock=data["stock"],
        image_key=f"products/{data['id']}.png",
    )
    files = _FixedImage(data["image_url"])
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    for endpoint, rule in LINKED_ENDPOINTS.items():
        app.add_url_rule(rule, endpoint=endpoint, build_only=True)
    app.jinja_env.filters["money"] = money
    app.jinja_env.globals["csrf_token"] = lambda: "bare-flask-has-no-csrf-state"

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {"signed_in": False, "files": files}

    @app.get("/p/<int:product_id>")
    def product_page(product_id: int) -> str:
        return render_template("product.html", product=product)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
