"""The account service behind the web tier's ``Accounts``, and the seeding of customers."""

from __future__ import annotations

from collections.abc import Iterable

from common.domain.models import User
from common.rpc import wire
from common.rpc.client import ServiceClient


class AccountsClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def register(self, email: str, password: str, name: str) -> User:
        body = {"email": email, "password": password, "name": name}
        # Not resent: had the first attempt registered, a second would answer "taken".
        return wire.user_from(self._client.call("POST", "/users", body=body, idempotent=False))

    def authenticate(self, email: str, password: str) -> User:
        body = {"email": email, "password": password}
        answer = self._client.call("POST", "/authentications", body=body, idempotent=True)
        return wire.user_from(answer)

    def user(self, user_id: int) -> User:
        return wire.user_from(self._client.get("/users/{user_id}", path={"user_id": user_id}))


class AccountSeeder:
    """``UserSeeding`` through the account service's admin endpoint."""

    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    def add_missing(self, users: Iterable[tuple[str, str]], password_hash: str) -> int:
        body = {"users": [list(pair) for pair in users], "password_hash": password_hash}
        return int(self._client.call("POST", "/admin/users", body=body, idempotent=True)["added"])
