"""The Flask app factory: one web app for every stage, given an assembled Shop."""

from __future__ import annotations

from flask import Flask
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import BaseConverter

from common.shop import Shop
from common.web.api import api
from common.web.assets import register_assets
from common.web.consistency import install_read_consistency
from common.web.context import SHOP_KEY
from common.web.errors import register_error_handlers
from common.web.health import health
from common.web.images import images
from common.web.pages import pages
from common.web.rate_limits import install_rate_limits
from common.web.security_headers import install_security_headers, origin_of
from common.web.sessions import SESSION_COOKIE, StoreSessionInterface
from common.web.templating import register_templating

MAX_BODY_BYTES = 64 * 1024
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/javascript",
    "application/json",
    "image/svg+xml",
]


class IdConverter(BaseConverter):
    """Positive ids that fit in a database integer; anything longer is simply not found."""

    regex = r"[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)


def trusted_proxy_hops(shop: Shop) -> int:
    """SHOP_TRUSTED_PROXIES: how many proxies (nginx from stage04) stand in front of the app.
    Only their X-Forwarded-For/-Proto are believed; 0 (the default) believes none."""
    raw = shop.settings.extra.get("SHOP_TRUSTED_PROXIES", "0")
    return int(raw) if raw.isdigit() else 0


def create_web_app(shop: Shop) -> Flask:
    app = Flask(__name__)
    hops = trusted_proxy_hops(shop)
    if hops:  # the client's address and scheme, as the load balancer saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=shop.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=shop.settings.extra.get("SHOP_COOKIE_SECURE") == "1",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session
        JSON_SORT_KEYS=False,
        # Compression of pages, JSON, CSS and script (Flask-Compress): gzip only, the one
        # algorithm every client and stage04's nginx speak, at the level nginx uses there,
        # so every stage sends the same bytes. Behind nginx the app is not asked to: nginx
        # drops Accept-Encoding on its way to the nodes and compresses itself.
        COMPRESS_ALGORITHM=["gzip"],
        COMPRESS_ALGORITHM_STREAMING=["gzip"],  # static files are streamed responses
        COMPRESS_LEVEL=6,
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
    )
    app.extensions[SHOP_KEY] = shop
    app.url_map.converters["id"] = IdConverter
    app.session_interface = StoreSessionInterface(shop.sessions, shop.settings.session_ttl_seconds)
    if shop.consistency is not None:
        install_read_consistency(app, shop.consistency)

    csrf = CSRFProtect(app)
    # The JSON API is protected by requiring application/json (a cross-site form cannot
    # send it without a CORS preflight) and by SameSite=Lax cookies; forms carry tokens.
    csrf.exempt(api)

    Compress(app)  # first: Flask runs after_request hooks in reverse, so it compresses last
    register_assets(app)
    register_templating(app, shop)
    for blueprint in (api, pages, health, images):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    install_rate_limits(app, shop.settings)
    install_security_headers(app, image_origin=origin_of(shop.files.url("products/_")))
    return app
