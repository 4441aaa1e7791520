"""The payment service's composition root: the simulated provider behind a ledger in the
payments database, so a charge is idempotent by its key as a real provider's is.

    gunicorn 'stage06_services.payment_service:create_app()'
"""

from __future__ import annotations

from flask import Flask

from common.adapters.simulated_payment import SimulatedPayment
from common.adapters.sql.engine import SqlHealth
from common.adapters.sql.payments import LedgerPayments
from common.adapters.sql.schema import PAYMENT_TABLES
from common.config import Settings
from common.serviceapp import create_service_app
from common.serviceapp.routes.payments import payment_routes
from stage06_services.wiring import own_database


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings.from_env()
    engine = own_database(settings, PAYMENT_TABLES)
    ledger = LedgerPayments(engine, SimulatedPayment.from_settings(settings))
    return create_service_app(
        "payment",
        settings,
        blueprints=[payment_routes(ledger)],
        health={"database": SqlHealth(engine)},
    )
