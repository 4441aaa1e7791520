"""The yardstick of `shop bench framework` renders the shop's own product page: if it
failed (a template helper the shop has and it lacks), every ratio against it would be
measured against error pages."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from common.bench.bare_flask import create_app


def _tags(html: str) -> list[str]:
    """The page's element structure: tag names in order (what each app renders)."""
    return re.findall(r"<([a-z][a-z0-9]*)\b", html)


def test_the_bare_app_renders_the_product_page_the_shop_renders(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = client.get("/api/products/1").get_json()
    shop_page = client.get("/p/1").get_data(as_text=True)
    monkeypatch.setenv("SHOP_BARE_PRODUCT", json.dumps({**api, "category_name": "Miscellany"}))
    bare = create_app().test_client()

    answer = bare.get("/p/1")

    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert api["name"] in page and "Miscellany" in page
    # The same template, the same pictures and links: only the header's state may differ.
    assert abs(len(_tags(page)) - len(_tags(shop_page))) <= 6
