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
from common.web.assets import register_assets
from common.web.images import picture
from common.web.templating import money, sentence, when

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
    "pages.add_to_cart": "/cart/add",
    "pages.checkout": "/checkout",
    "pages.place_order": "/checkout",
    "pages.order": "/orders/<int:order_id>",
    "pages.product": "/p/<int:product_id>",
    "api.order": "/api/orders/<int:order_id>",
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
    # The shop's own template helpers (filters, fingerprinted asset URLs, pictures): the
    # same page needs them, and what they cost is the page's, not the shop's extra work.
    app.jinja_env.filters.update(money=money, sentence=sentence, when=when)
    app.jinja_env.globals["csrf_token"] = lambda: "bare-flask-has-no-csrf-state"
    register_assets(app)

    @app.context_processor
    def _globals() -> dict[str, object]:
        return {
            "signed_in": False,
            "files": files,
            "picture": lambda image_key: picture(files, image_key),  # type: ignore[arg-type]
            "cart_count": lambda: 0,
        }

    @app.get("/p/<int:product_id>")
    def product_page(product_id: int) -> str:
        return render_template(
            "product.html", product=product, category_name=data.get("category_name", "")
        )

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app
