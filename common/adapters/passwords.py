"""Password hashing: argon2id (argon2-cffi) at OWASP's recommended cost.

OWASP's Password Storage Cheat Sheet (2025) recommends argon2id with at least 19 MiB of
memory, 2 iterations and 1 degree of parallelism (m=19456, t=2, p=1): memory-hard, so
guessing on GPUs costs what it costs on the server. One hash or check costs a login about
that much CPU on one core (docs/security.md has the measured figure). Hashes made before
(Werkzeug's scrypt, ``scrypt:32768:8:1$...``) still verify.
"""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2ID = "argon2id"
OWASP_MEMORY_KIB = 19_456
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class Argon2idHasher:
    def __init__(
        self,
        memory_kib: int = OWASP_MEMORY_KIB,
        time_cost: int = OWASP_TIME_COST,
        parallelism: int = OWASP_PARALLELISM,
    ) -> None:
        self._argon2 = Argon2(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        if not password_hash.startswith("$argon2"):
            return check_password_hash(password_hash, password)  # made before argon2id
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


class WerkzeugHasher:
    """Werkzeug's hashing (scrypt by default): what the shop used before argon2id."""

    def __init__(self, method: str = "scrypt") -> None:
        self._method = method

    def hash(self, password: str) -> str:
        return generate_password_hash(password, method=self._method)

    def verify(self, password_hash: str, password: str) -> bool:
        return check_password_hash(password_hash, password)


def password_hasher(method: str) -> Argon2idHasher | WerkzeugHasher:
    """The hasher SHOP_PASSWORD_HASH names: ``argon2id`` (the default) or a Werkzeug method."""
    return Argon2idHasher() if method == ARGON2ID else WerkzeugHasher(method)
