"""Security headers on every answer, and no caching of anything private (issue 14, finding 9).

* ``Content-Security-Policy``: scripts, styles, fonts and frames only from the shop itself,
  images also from the object store (stage02+), no inline script or style, no plugins, no
  framing: an injected ``<script>`` or ``onerror=`` attribute does not run even if escaping
  ever failed. The templates keep no inline script or style for this reason.
* ``X-Frame-Options: DENY`` for browsers older than ``frame-ancestors`` (clickjacking).
* ``X-Content-Type-Options: nosniff``: a response is only ever what its type says.
* ``Referrer-Policy``: other sites see the shop's origin, never a path with a query.
* ``Cache-Control: no-store`` on every answer that belongs to one person: anything for a
  signed-in customer, any call that needs one (even its 401), any answer that sets a cookie.
  A shared cache (or the browser's back button on a shared computer) must not keep them.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g

_PRIVATE = "shop_private"


def keep_private() -> None:
    """Mark this request's answer as one person's: sent with ``Cache-Control: no-store``."""
    setattr(g, _PRIVATE, True)


def content_security_policy(image_origin: str | None = None) -> str:
    """No inline script or style anywhere: the templates load every script and stylesheet
    from /static (the image fallback too: static/shop.js), so an injected one cannot run."""
    images = " ".join(filter(None, ("'self'", "data:", image_origin)))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def origin_of(url: str) -> str | None:
    """``http://localhost:9000`` of ``http://localhost:9000/bucket/key``; None if relative."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def install_security_headers(app: Flask, *, image_origin: str | None) -> None:
    every_answer = [
        ("Content-Security-Policy", content_security_policy(image_origin)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        if "Content-Security-Policy" not in headers:  # a view may set its own, stricter
            headers.extend(every_answer)
        if g.get(_PRIVATE) or "Set-Cookie" in headers:
            # Overrides any caching header a view set: one person's answer is never stored.
            headers["Cache-Control"] = "no-store"
        return response
