"""QR credentials: a holder's codes (JSON with an inline SVG, or SVG/PNG), the keys and the revocation
list that offline scanners download, and a verify-only check for staff."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic

from api.credentials import routes
from domain.credentials import service
from domain.scanning import registry
from domain.shared.signing import KeyRing


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the credential routes."""
    bp = Blueprint("credentials")
    bp.add_route(routes.public_keys, "/credentials/keys", methods=["GET"], name="keys")
    bp.add_route(routes.revocations, "/credentials/revocations", methods=["GET"], name="revocations")
    bp.add_route(routes.code, "/credentials/<kind:str>/<object_id:id>", methods=["GET"], name="code")
    bp.add_route(routes.svg, "/credentials/<kind:str>/<object_id:id>/qr.svg", methods=["GET"], name="svg")
    bp.add_route(routes.png, "/credentials/<kind:str>/<object_id:id>/qr.png", methods=["GET"], name="png")
    bp.add_route(routes.verify, "/staff/credentials/verify", methods=["POST"], name="verify")

    @bp.before_server_start
    async def install_credential_keys(app: Sanic[Any, Any]) -> None:
        # Like the certificate keys: once per process, for minting and verifying anywhere.
        settings = app.ctx.settings
        service.install(
            service.Config(
                ring=KeyRing(settings.credential_key_seeds, settings.credential_signing_kid),
                dynamic_ttl_seconds=settings.credential_dynamic_ttl_seconds,
                grace_seconds=settings.credential_grace_seconds,
            )
        )
        registry.load_owners()  # every domain's credential.py: who holds a kind, what scanning it does

    return bp
