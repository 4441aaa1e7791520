"""Registering and authenticating customers."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from common.domain import validation
from common.domain.errors import DuplicateKey, EmailTaken, InvalidInput, Unauthenticated
from common.domain.models import User
from common.ports import AccountsUnitOfWork, PasswordHasher


class AccountService:
    def __init__(self, uow: Callable[[], AccountsUnitOfWork], hasher: PasswordHasher) -> None:
        self._uow = uow
        self._hasher = hasher
        self._dummy_hash: str | None = None

    def register(self, email: str, password: str, name: str) -> User:
        email = validation.email(email)
        name = validation.name(name)
        password = validation.new_password(password, context=(email.split("@")[0], name))
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            # Saying "taken" tells who has an account; the contract keeps the 409 and the
            # edge limits how often one address may ask (docs/security.md, finding 11).
            if uow.users.by_email(email) is not None:
                raise EmailTaken(f"{email} is already registered")
            try:
                user = uow.users.add(email, name, password_hash)
            except DuplicateKey:  # lost a race with a concurrent registration
                raise EmailTaken(f"{email} is already registered") from None
            uow.commit()
        return user

    def authenticate(self, email: str, password: str) -> User:
        """The user with this email and password, else Unauthenticated with one message for
        every reason, in about the same time: an unknown email is checked against a dummy
        hash, so the answer's delay does not say whether the account exists."""
        wrong = Unauthenticated("wrong email or password")
        try:
            email = validation.email(email)
            password = validation.password_format(password)  # e.g. a lone surrogate
        except InvalidInput:
            raise wrong from None  # refused before any lookup: as fast for every email
        with self._uow() as uow:
            user = uow.users.by_email(email)
        if user is None:
            self._hasher.verify(self._unknown_user_hash(), password)
            raise wrong
        if not self._hasher.verify(user.password_hash, password):
            raise wrong
        return user

    def user(self, user_id: int) -> User:
        with self._uow() as uow:
            user = uow.users.by_id(user_id)
        if user is None:
            raise Unauthenticated("your session refers to an account that no longer exists")
        return user

    def _unknown_user_hash(self) -> str:
        """A hash of a random password with the hasher's current cost (made once)."""
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash
