"""The Flask app factory: one web app for every stage, given an assembled Shop."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import BaseConverter

from common.shop import Shop
from common.web.api import api
from common.web.consistency import install_read_consistency
from common.web.context import SHOP_KEY, user_id_or_none
from common.web.errors import register_error_handlers
from common.web.health import health
from common.web.images import images
from common.web.pages import pages
from common.web.sessions import StoreSessionInterface, raise_if_session_unavailable

MAX_BODY_BYTES = 64 * 1024


class IdConverter(BaseConverter):
    """Positive ids that fit in a database integer; anything longer is simply not found."""

    regex = r"[1-9][0-9]{0,8}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: object) -> str:
        return str(value)


def money(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


def create_web_app(shop: Shop) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=shop.settings.secret_key,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        SESSION_COOKIE_NAME="shop_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=shop.settings.extra.get("SHOP_COOKIE_SECURE") == "1",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session
        JSON_SORT_KEYS=False,
    )
    app.extensions[SHOP_KEY] = shop
    app.url_map.converters["id"] = IdConverter
    app.session_interface = StoreSessionInterface(shop.sessions, shop.settings.session_ttl_seconds)
    app.before_request(raise_if_session_unavailable)
    if shop.consistency is not None:
        install_read_consistency(app, shop.consistency)

    csrf = CSRFProtect(app)
    # The JSON API is protected by requiring application/json (a cross-site form cannot
    # send it without a CORS preflight) and by SameSite=Lax cookies; forms carry tokens.
    csrf.exempt(api)

    app.jinja_env.filters["money"] = money
    app.context_processor(lambda: {"signed_in": user_id_or_none() is not None, "files": shop.files})
    for blueprint in (api, pages, health, images):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    return app
