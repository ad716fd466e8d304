"""E-certificates: the resident's wallet, the published verification keys, staff verify/revoke."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic

from api.certificates import routes
from domain.certificates import service
from domain.shared.signing import KeyRing


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

    @bp.before_server_start
    async def install_certificate_keys(app: Sanic[Any, Any]) -> None:
        # The domain signs at issue time inside other modules' transactions, where no request
        # (and so no settings) is at hand: it gets its key ring once per process, like the PII vault.
        settings = app.ctx.settings
        service.install_keys(KeyRing(settings.certificate_key_seeds, settings.certificate_signing_kid))

    return bp
