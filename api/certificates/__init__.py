"""E-certificates: the resident's wallet, the published verification keys, staff verify/revoke."""

from __future__ import annotations

from sanic import Blueprint

from api.certificates import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the certificate routes."""
    bp = Blueprint("certificates")
    bp.add_route(routes.public_keys, "/certificates/keys", methods=["GET"], name="keys")
    bp.add_route(routes.wallet, "/certificates", methods=["GET"], name="wallet")
    bp.add_route(routes.get_one, "/certificates/<certificate_id:id>", methods=["GET"], name="get_one")
    bp.add_route(routes.verify, "/staff/certificates/verify", methods=["POST"], name="verify")
    bp.add_route(
        routes.revoke, "/staff/certificates/<certificate_id:id>/revoke", methods=["POST"], name="revoke"
    )

    return bp
