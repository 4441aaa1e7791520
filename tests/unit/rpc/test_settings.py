"""Stage06's settings: where a process finds the services it calls, and their deadlines."""

from __future__ import annotations

import pytest

from common.config import ConfigError, Settings
from common.rpc.clients import ServiceClients
from common.rpc.policy import DEFAULT_POLICIES, policy_for

WEB = {
    "SHOP_SECRET_KEY": "s",
    "SHOP_CATALOG_URLS": "http://catalog1:8000, http://catalog2:8000/",
    "SHOP_PAYMENT_TIMEOUT_MS": "750",
}


def test_a_web_node_needs_no_database_when_it_has_services() -> None:
    settings = Settings.from_env(WEB)
    assert settings.database_url == ""
    assert settings.service_urls == {"catalog": ("http://catalog1:8000", "http://catalog2:8000")}
    with pytest.raises(ConfigError, match="SHOP_DATABASE_URL"):
        Settings.from_env({"SHOP_SECRET_KEY": "s"})  # neither a database nor services


def test_a_service_address_must_be_an_http_base_url() -> None:
    with pytest.raises(ConfigError, match="SHOP_CART_URLS"):
        Settings.from_env({**WEB, "SHOP_CART_URLS": "cart:8000"})


def test_a_deadline_can_be_changed_per_service_and_the_rest_keep_theirs() -> None:
    settings = Settings.from_env(WEB)
    assert policy_for(settings, "payment").timeout_s == 0.75
    assert policy_for(settings, "catalog") == DEFAULT_POLICIES["catalog"]


def test_calling_a_service_without_its_address_says_which_variable_to_set() -> None:
    clients = ServiceClients(Settings.from_env(WEB), issuer="web")
    assert clients["catalog"].urls == ["http://catalog1:8000", "http://catalog2:8000"]
    with pytest.raises(ConfigError, match="SHOP_ORDER_URLS is not set"):
        clients["order"]
