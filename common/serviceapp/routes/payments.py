"""The payment service: the simulated provider behind a ledger, keyed like a real API."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from common.adapters.sql.payments import LedgerPayments
from common.domain.errors import InvalidInput, NotFound
from common.rpc import wire
from common.serviceapp.inputs import reference
from common.web.json_input import json_object


def payment_routes(ledger: LedgerPayments) -> Blueprint:
    bp = Blueprint("payments", __name__)

    @bp.put("/charges/<payment_key>")
    def charge(payment_key: str) -> Response:
        amount = json_object({"amount_cents": int})["amount_cents"]
        if amount < 0:
            raise InvalidInput("amount_cents must not be negative", field="amount_cents")
        return jsonify(wire.payment_json(ledger.charge(reference(payment_key, "key"), amount)))

    @bp.get("/charges/<payment_key>")
    def entry(payment_key: str) -> Response:
        found = ledger.entry(reference(payment_key, "key"))
        if found is None:
            raise NotFound(f"no payment with key {payment_key}")
        return jsonify(
            {
                "key": found.key,
                "amount_cents": found.amount_cents,
                "state": found.state,
                "reference": found.reference,
                "reason": found.reason,
            }
        )

    @bp.put("/refunds/<payment_key>")
    def refund(payment_key: str) -> tuple[str, int]:
        ledger.refund(reference(payment_key, "key"))
        return "", 204

    return bp
