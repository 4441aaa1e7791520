"""Product pictures on pages, and the route that serves them in stage01, where the files
share the server with the app (from stage02 on the object store serves them)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, request

from common.domain.errors import NotFound
from common.images import PNG_TYPE, WEBP_TYPE, renditions
from common.ports import FileStore
from common.web.context import shop

images = Blueprint("images", __name__)

CONTENT_TYPES = {".png": PNG_TYPE, ".webp": WEBP_TYPE}
# A picture never changes under its key (seeding writes a key once), but a day, not a year:
# a re-seeded shop must show its new pictures by tomorrow. After that the ETag makes a
# revalidation a 304 without the bytes.
IMAGE_MAX_AGE = 86400


@images.get("/images/<path:key>")
def image(key: str) -> Response:
    content_type = next((t for ext, t in CONTENT_TYPES.items() if key.endswith(ext)), None)
    data = shop().files.get(key) if content_type else None
    if data is None:
        raise NotFound(f"no image {key!r}")
    response = Response(data, mimetype=content_type)
    response.cache_control.public = True
    response.cache_control.max_age = IMAGE_MAX_AGE
    response.add_etag()  # a hash of the bytes: the same file gives the same validator
    response.make_conditional(request)  # a 304 without the bytes when the ETag matches
    return response


@dataclass(frozen=True)
class Picture:
    """What a ``<picture>`` needs: WebP files with their widths, and the PNG fallback."""

    webp_srcset: str
    png: str
    small_webp: str


def picture(files: FileStore, image_key: str) -> Picture:
    found = renditions(image_key)
    webp = [r for r in found if r.content_type == WEBP_TYPE]
    png = next(r for r in found if r.content_type == PNG_TYPE)
    return Picture(
        webp_srcset=", ".join(f"{files.url(r.key)} {r.width}w" for r in webp),
        png=files.url(png.key),
        small_webp=files.url(min(webp, key=lambda r: r.width).key),
    )
