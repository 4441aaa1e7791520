"""The order page of a pending order updates itself when the order is paid, in a real browser
(the system's Chromium), with no reload: the page's script asks the API (no inline script:
the Content-Security-Policy forbids it)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import CHROMIUM, SKIP_REASON
from tests.stage_fixture import artifacts_dir

from .conftest import Messaging

CONSUMER = "payment-consumer"


def test_the_order_page_shows_pending_then_paid_without_a_reload(
    mq: Messaging, chromium: Any
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(SKIP_REASON)
    product = mq.deployment.take_products(1)[0]
    _client, creds = mq.deployment.new_user(log_in=False)
    # The stage serves HTTPS with a certificate of its own CA (a local one).
    context = chromium.new_context(base_url=mq.deployment.base_url, ignore_https_errors=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    reloads: list[str] = []
    page.on("framenavigated", lambda frame: reloads.append(frame.url))
    try:
        page.goto("/login")
        page.get_by_label("Email").fill(creds["email"])
        page.get_by_label("Password").fill(creds["password"])
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$"))
        page.goto(f"/p/{product['id']}")
        page.get_by_role("button", name="Add to cart").click()
        page.wait_for_url(re.compile(r"/cart$"))
        mq.kill(CONSUMER)  # nobody pays for now: the order stays pending
        page.get_by_role("link", name="Check out").click()
        page.wait_for_url(re.compile(r"/checkout$"))
        page.get_by_role("button", name=re.compile("Place order")).click()
        page.wait_for_url(re.compile(r"/orders/\d+$"))
        status = page.locator("#order-status")
        assert status.text_content() == "pending"
        page.screenshot(path=str(artifacts_dir() / "stage07-order-pending.png"))
        navigations = len(reloads)

        mq.start(CONSUMER)

        # textContent, not what CSS shows (capitalised); no eval: the page's CSP forbids it.
        expect(status).to_have_text("paid", timeout=60_000)
        page.screenshot(path=str(artifacts_dir() / "stage07-order-paid.png"))
        assert len(reloads) == navigations, "the page was reloaded"
        assert "on its way" in page.locator("#order-status-note").inner_text()
    finally:
        context.close()
