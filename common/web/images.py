"""Images served by the app from its file store: stage01, where files share the server."""

from __future__ import annotations

from flask import Blueprint, Response

from common.domain.errors import NotFound
from common.web.context import shop

images = Blueprint("images", __name__)


@images.get("/images/<path:key>")
def image(key: str) -> Response:
    data = shop().files.get(key)
    if data is None:
        raise NotFound(f"no image {key!r}")
    response = Response(data, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
