"""Registering and authenticating customers."""

from __future__ import annotations

from collections.abc import Callable

from common.domain import validation
from common.domain.errors import DuplicateKey, EmailTaken, Unauthenticated
from common.domain.models import User
from common.ports import AccountsUnitOfWork, PasswordHasher


class AccountService:
    def __init__(self, uow: Callable[[], AccountsUnitOfWork], hasher: PasswordHasher) -> None:
        self._uow = uow
        self._hasher = hasher

    def register(self, email: str, password: str, name: str) -> User:
        email = validation.email(email)
        name = validation.name(name)
        password = validation.password(password)
        password_hash = self._hasher.hash(password)
        with self._uow() as uow:
            if uow.users.by_email(email) is not None:
                raise EmailTaken(f"{email} is already registered")
            try:
                user = uow.users.add(email, name, password_hash)
            except DuplicateKey:  # lost a race with a concurrent registration
                raise EmailTaken(f"{email} is already registered") from None
            uow.commit()
        return user

    def authenticate(self, email: str, password: str) -> User:
        wrong = Unauthenticated("wrong email or password")
        try:
            email = validation.email(email)
        except Exception:
            raise wrong from None
        with self._uow() as uow:
            user = uow.users.by_email(email)
        if user is None or not self._hasher.verify(user.password_hash, password):
            raise wrong
        return user

    def user(self, user_id: int) -> User:
        with self._uow() as uow:
            user = uow.users.by_id(user_id)
        if user is None:
            raise Unauthenticated("your session refers to an account that no longer exists")
        return user
