"""Limits on failed logins and on registrations (issue 14, findings 3 and 11), with
Flask-Limiter.

Only failed attempts count (a 401 from a login, a 409 "already registered" from a
registration): a customer who types the right password, or a benchmark whose users each log
in once, never meets a limit. Failed logins are counted twice:

* per account (the email asked for): stops guessing one customer's password from many
  addresses. The price: anyone can lock a customer out for the window by failing on
  purpose, so the window is short and the answer says when to retry;
* per client address: stops one address trying many accounts (credential stuffing).

Over a limit the answer is 429 with ``Retry-After``, in the shop's error shape. The counters
live in Redis where the stage has one (the session Redis from stage04, shared by every app
node; the cache Redis in stage03), else in each worker's memory (stages 01-02: a limit per
worker, so up to workers x the figure per server). A Redis that is down falls back to memory:
logins keep working, less strictly limited.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, Response, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from common.config import Settings

LOGIN_ENDPOINTS = ("api.login", "pages.login")
REGISTER_ENDPOINTS = ("api.register", "pages.register")


@dataclass(frozen=True)
class RateLimits:
    failed_logins_per_account: str = "10 per 10 minutes"
    failed_logins_per_address: str = "100 per 10 minutes"
    taken_emails_per_address: str = "20 per 10 minutes"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RateLimits:
        """SHOP_LIMIT_* override the defaults, in Flask-Limiter's notation (e.g. "5/minute")."""
        default = cls()
        return cls(
            failed_logins_per_account=env.get(
                "SHOP_LIMIT_FAILED_LOGINS_PER_ACCOUNT", default.failed_logins_per_account
            ),
            failed_logins_per_address=env.get(
                "SHOP_LIMIT_FAILED_LOGINS_PER_ADDRESS", default.failed_logins_per_address
            ),
            taken_emails_per_address=env.get(
                "SHOP_LIMIT_TAKEN_EMAILS_PER_ADDRESS", default.taken_emails_per_address
            ),
        )


def account_key() -> str:
    """The account a login is for: its email as typed (trimmed, lowercase), hashed to keep
    the storage keys short; the same for the JSON API and the form."""
    email = ""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("email"), str):
            email = body["email"]
    else:
        email = request.form.get("email", "")
    digest = hashlib.sha256(email.strip().lower()[:320].encode("utf-8", "replace"))
    return "account:" + digest.hexdigest()[:32]


def _status_is(status: int) -> Callable[[Response], bool]:
    return lambda response: response.status_code == status


def storage_uri(settings: Settings) -> str:
    return settings.session_redis_url or settings.redis_url or "memory://"


def install_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Limit the login and registration views; call after the blueprints are registered."""
    limits = RateLimits.from_env(settings.extra)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=storage_uri(settings),
        strategy="moving-window",
        headers_enabled=True,
        swallow_errors=True,  # a storage failure must not fail the login itself
        in_memory_fallback_enabled=True,
        key_prefix="shop:limits",
    )
    failed_login = _status_is(401)
    wrapped = {
        endpoint: [
            limiter.limit(
                limits.failed_logins_per_account,
                key_func=account_key,
                deduct_when=failed_login,
                error_message="too many failed logins for this account: wait and try again",
                methods=["POST"],
                scope="failed-logins-per-account",  # one counter for the API and the form
            ),
            limiter.limit(
                limits.failed_logins_per_address,
                deduct_when=failed_login,
                error_message="too many failed logins from your address: wait and try again",
                methods=["POST"],
                scope="failed-logins-per-address",  # one counter for the API and the form
            ),
        ]
        for endpoint in LOGIN_ENDPOINTS
    }
    for endpoint in REGISTER_ENDPOINTS:
        wrapped[endpoint] = [
            limiter.limit(
                limits.taken_emails_per_address,
                deduct_when=_status_is(409),
                error_message="too many registrations of taken emails: wait and try again",
                methods=["POST"],
                scope="taken-emails-per-address",
            )
        ]
    for endpoint, decorators in wrapped.items():
        view: Callable[..., object] = app.view_functions[endpoint]
        for decorate in decorators:
            view = decorate(view)
        app.view_functions[endpoint] = view  # type: ignore[assignment]
    # Every limit is on a decorated view, checked when that view runs; Flask-Limiter's own
    # check before *every* request (for application-wide limits, of which there are none)
    # would cost each page view about as much as its template's links: removed.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    return limiter
