"""TLS at the edge: nginx serves HTTPS with the project's own CA, redirects plain HTTP, sends
HSTS; cookies are Secure behind it; the app believes only nginx's forwarded address."""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from urllib.parse import urlsplit

import pytest

from common.tls import ca_file_in, client_context
from tests.stage_fixture import HttpClient

from .conftest import Cluster


def _host_port(stage: Cluster) -> tuple[str, int]:
    parts = urlsplit(stage.url)
    assert parts.hostname and parts.port
    return parts.hostname, parts.port


def test_the_entry_point_is_https_with_a_certificate_of_the_stages_ca(stage: Cluster) -> None:
    assert stage.url.startswith("https://"), stage.url
    host, port = _host_port(stage)
    context = client_context(ca_file_in(stage.state.run_dir))
    with (
        socket.create_connection((host, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host) as tls,
    ):
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    with pytest.raises(ssl.SSLCertVerificationError):  # unknown to the system's trust store
        untrusted = ssl.create_default_context()
        with (
            socket.create_connection((host, port), timeout=5) as raw,
            untrusted.wrap_socket(raw, server_hostname=host),
        ):
            pass


def test_tls_1_1_is_refused(stage: Cluster) -> None:
    host, port = _host_port(stage)
    context = client_context(ca_file_in(stage.state.run_dir))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer TLS 1.1 at all
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    # The server's refusal (a protocol_version alert), not the client's "no protocols".
    with (
        pytest.raises(ssl.SSLError, match=r"(?i)protocol.version|unsupported.protocol"),
        socket.create_connection((host, port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=host),
    ):
        pass


def test_plain_http_is_redirected_to_https_on_the_same_host_and_port(stage: Cluster) -> None:
    host, port = _host_port(stage)
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request("GET", "/p/1?x=1", headers={"Host": f"{host}:{port}"})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{host}:{port}/p/1?x=1"


def test_https_answers_carry_hsts_and_the_apps_security_headers(stage: Cluster) -> None:
    response = stage.client().get("/p/1", headers={"Accept": "text/html"})
    assert response.status == 200, response
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    error = stage.client().get("/api/products/999999999")
    assert error.status == 404 and error.headers["Strict-Transport-Security"]


def test_the_session_cookie_is_secure_behind_tls(stage: Cluster) -> None:
    client = stage.client()
    response = client.login(stage.seeded_user(), "password123")
    cookie = next(c for c in response.set_cookies() if c.startswith("shop_session="))
    assert "secure" in [part.strip().lower() for part in cookie.split(";")], cookie


def test_a_forged_forwarded_address_does_not_escape_the_per_address_limit(
    stage: Cluster,
) -> None:
    """nginx appends the real peer to X-Forwarded-For and the app believes one hop only, so
    a client cannot pose as many addresses to dodge the failed-login limit per address."""
    context = client_context(ca_file_in(stage.state.run_dir))
    client = HttpClient(stage.url, ssl_context=context, source_address="127.0.0.77")
    began = time.monotonic()
    for n in range(101):
        response = client.post(
            "/api/sessions",
            json_body={"email": f"nobody{n}@example.com", "password": "wrong password"},
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
        )
        if response.status != 401:
            break
        time.sleep(max(0.0, began + (n + 1) / 15 - time.monotonic()))  # under nginx's 20/s
    assert response.status == 429, response
    assert "failed logins from your address" in response.json()["error"]["message"]
    assert n == 100, f"limited after {n} failures, not 100"


def test_product_images_come_over_https_from_the_same_origin(stage: Cluster) -> None:
    """An http:// image on an https:// page is mixed content, which browsers block."""
    client = stage.client()
    image_url = client.product(1)["image_url"]
    assert image_url.startswith("/product-images/"), image_url  # the page's own origin
    image = client.get(image_url)
    assert image.status == 200 and image.content_type == "image/png", image
    assert client.request("PUT", image_url, data=b"x").status == 403  # read-only
