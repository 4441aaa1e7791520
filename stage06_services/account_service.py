"""The account service's composition root: customers and password hashes, in the accounts
database. Sessions stay with the web tier (its session Redis); see common/rpc/identity.py.

    gunicorn 'stage06_services.account_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.events import InProcessBus
from common.adapters.passwords import password_hasher
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.schema import ACCOUNT_TABLES
from common.adapters.sql.uow import SqlUnitOfWork
from common.config import Settings
from common.operations import UserSeeder
from common.serviceapp import create_service_app
from common.serviceapp.routes.accounts import account_routes
from common.services.accounts import AccountService
from stage06_services.wiring import own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, ACCOUNT_TABLES)
    events = InProcessBus()

    def uow() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, events)

    accounts = AccountService(uow, password_hasher(settings.password_hash_method))
    return create_service_app(
        "account",
        settings,
        blueprints=[account_routes(accounts, UserSeeder(uow))],
        health={"database": SqlHealth(engine)},
    )
