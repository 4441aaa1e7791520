"""Who a call is made for: a short-lived token signed with the secret every process of the
stage shares, verified by every service without asking anyone.

The web tier keeps the customer's session (cookie and session Redis, as in stage04) and
signs, on each call it makes for a customer, ``{"iss": "web", "uid": 42}``; a service that
calls another on the customer's behalf (the order service asking the cart service) signs
its own. Services read the customer from the token, never from the URL or the body, so no
service can be asked for another customer's cart by changing a number. Calls made for no
customer (registering, an operator's seeding) carry a token with ``uid: null``.

Why a signed token and not the session id checked against the session Redis: verifying is
an HMAC in the service's own memory (no round trip per hop, nothing shared to fail: the
services keep working while the session store or the account service is down), and it
expires by itself a minute after it was made. The price: the shared secret is the trust
boundary, so any process holding it can speak for any customer. Per-service keys or mutual
TLS narrow that in production; itsdangerous's salt keeps these tokens apart from anything
else the same secret signs (Flask's CSRF tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from common.domain.errors import ShopError

HEADER = "X-Shop-Identity"
SALT = "shop-internal-identity"
MAX_AGE_SECONDS = 60


class InvalidIdentity(ShopError):
    """A call to a service without a valid identity token (missing, forged or expired)."""

    code = "invalid_identity"


@dataclass(frozen=True)
class Identity:
    issuer: str  # the process kind that signed it: web, order, operator, ...
    user_id: int | None  # the customer the call is made for, if any


class IdentitySigner:
    def __init__(self, secret: str, issuer: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self._issuer = issuer

    @property
    def issuer(self) -> str:
        return self._issuer

    def token(self, user_id: int | None = None) -> str:
        return str(self._serializer.dumps({"iss": self._issuer, "uid": user_id}))


class IdentityVerifier:
    def __init__(self, secret: str, *, max_age_seconds: int = MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self._max_age = max_age_seconds

    def verify(self, token: str | None) -> Identity:
        if not token:
            raise InvalidIdentity(f"internal calls carry a signed {HEADER} header")
        try:
            claims: Any = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature as exc:  # forged, or expired (SignatureExpired is a subclass)
            raise InvalidIdentity(f"the {HEADER} token is not valid: {exc}") from None
        uid = claims.get("uid") if isinstance(claims, dict) else None
        issuer = claims.get("iss") if isinstance(claims, dict) else None
        if not isinstance(issuer, str) or not (uid is None or type(uid) is int):
            raise InvalidIdentity(f"the {HEADER} token does not say who it is for")
        return Identity(issuer=issuer, user_id=uid)
