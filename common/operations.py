"""What a stage offers its operators: seeding, catalog administration, restocking, recovery.

`shop seed`, `shop admin` and `shop bench` act on a running stage only through this one
interface, built by the stage's composition root (``build_operations(settings)`` in its
``app.py``). Stages 01-05 derive it from their assembled shop; a stage whose data is spread
over several services (stage06) builds it from those services' adapters, and the commands
work unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from common.domain.errors import DuplicateKey
from common.ports import (
    AccountsUnitOfWork,
    CatalogReader,
    CatalogWriter,
    FileStore,
    HealthCheck,
    PasswordHasher,
)
from common.services.orders import RecoveryReport


class OrderRecovery(Protocol):
    """Finish or undo the checkouts a crash left half done (services/orders.py)."""

    def run(self) -> RecoveryReport: ...


class UserSeeding(Protocol):
    def add_missing(self, users: Iterable[tuple[str, str]], password_hash: str) -> int:
        """Add each (email, name) not registered yet, all with one password hash; returns
        how many were added (seeding is idempotent)."""
        ...


class UserSeeder:
    """Adds the seeded customers, skipping those already there (seeding is idempotent)."""

    def __init__(self, uow: Callable[[], AccountsUnitOfWork]) -> None:
        self._uow = uow

    def add_missing(self, users: Iterable[tuple[str, str]], password_hash: str) -> int:
        """Add each (email, name) not registered yet, all with one password hash."""
        added = 0
        with self._uow() as uow:
            for email, name in users:
                if uow.users.by_email(email) is None:
                    try:
                        uow.users.add(email, name, password_hash)
                        added += 1
                    except DuplicateKey:  # registered meanwhile
                        pass
            uow.commit()
        return added


@dataclass(frozen=True)
class StageOperations:
    catalog: CatalogWriter  # categories, products, price/description/stock edits, restock
    files: FileStore  # product images
    users: UserSeeding  # UserSeeder over the shop's database, or the account service
    hasher: PasswordHasher  # the stage's own, so seeded passwords verify on login
    health: Mapping[str, HealthCheck]
    recovery: OrderRecovery
    # The catalog as it is now, for commands that read all of it (stage08's `shop search
    # reindex`); None where no command needs it.
    catalog_reader: CatalogReader | None = None
