"""The account service: customers and their password hashes (which never leave it)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from common.domain.errors import InvalidInput
from common.operations import UserSeeding
from common.rpc import wire
from common.services.protocols import Accounts
from common.web.json_input import json_object


def account_routes(accounts: Accounts, seeder: UserSeeding) -> Blueprint:
    bp = Blueprint("accounts", __name__)

    @bp.post("/users")
    def register() -> tuple[Response, int]:
        body = json_object({"email": str, "password": str, "name": str})
        user = accounts.register(body["email"], body["password"], body["name"])
        return jsonify(wire.user_json(user)), 201

    @bp.post("/authentications")
    def authenticate() -> Response:
        body = json_object({"email": str, "password": str})
        return jsonify(wire.user_json(accounts.authenticate(body["email"], body["password"])))

    @bp.get("/users/<id:user_id>")
    def user(user_id: int) -> Response:
        return jsonify(wire.user_json(accounts.user(user_id)))

    @bp.post("/admin/users")
    def add_users() -> Response:
        body = json_object({"users": list, "password_hash": str})
        pairs = body["users"]
        if not all(
            isinstance(p, list) and len(p) == 2 and all(type(x) is str for x in p) for p in pairs
        ):
            raise InvalidInput("users is a list of [email, name] pairs", field="users")
        return jsonify({"added": seeder.add_missing(map(tuple, pairs), body["password_hash"])})

    return bp
