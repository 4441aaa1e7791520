"""Static files (CSS, script, icons) under fingerprinted URLs, cached by browsers for good.

A page links ``/static/style.css?v=<first 10 hex digits of the file's SHA-256>``. The URL
changes whenever the file does, so a browser may keep what it fetched under a URL forever:
such a response says ``Cache-Control: public, max-age=31536000, immutable`` and a return
visit costs no request at all (not even a ``304 Not Modified`` round trip). A URL without
the current fingerprint is answered with ``no-cache``: the browser asks again each time and
gets a 304 while the file is unchanged. stage04's nginx does the same for the files it
serves itself (``map $arg_v`` in its nginx.conf).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request, url_for

FOREVER = 365 * 24 * 3600


class Assets:
    def __init__(self, static_dir: Path) -> None:
        self._dir = static_dir
        self._fingerprints: dict[str, str] = {}  # read once per process: files do not change

    def fingerprint(self, filename: str) -> str:
        found = self._fingerprints.get(filename)
        if found is None:
            data = (self._dir / filename).read_bytes()
            found = self._fingerprints[filename] = hashlib.sha256(data).hexdigest()[:10]
        return found

    def url(self, filename: str) -> str:
        return url_for("static", filename=filename, v=self.fingerprint(filename))

    def cache_headers(self, response: Response) -> Response:
        """after_request: immutable for a fingerprinted static URL, revalidation otherwise."""
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        try:
            current = request.args.get("v") == self.fingerprint(filename)
        except OSError:
            current = False
        if current:
            response.cache_control.public = True
            response.cache_control.max_age = FOREVER
            response.cache_control.immutable = True
            response.cache_control.no_cache = None
        else:
            response.cache_control.no_cache = True
        return response


def register_assets(app: Flask) -> Assets:
    assets = Assets(Path(app.static_folder or "static"))
    app.after_request(assets.cache_headers)
    app.jinja_env.globals["asset"] = assets.url
    return assets
