"""QR credentials: a holder's codes (JSON with an inline SVG, or SVG/PNG), the keys and the revocation
list that offline scanners download, and a verify-only check for staff."""

from __future__ import annotations

from sanic import Blueprint

from api.credentials import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the credential routes."""
    bp = Blueprint("credentials")
    bp.add_route(routes.public_keys, "/credentials/keys", methods=["GET"], name="keys")
    bp.add_route(routes.revocations, "/credentials/revocations", methods=["GET"], name="revocations")
    bp.add_route(routes.code, "/credentials/<kind:str>/<object_id:id>", methods=["GET"], name="code")
    bp.add_route(routes.svg, "/credentials/<kind:str>/<object_id:id>/qr.svg", methods=["GET"], name="svg")
    bp.add_route(routes.png, "/credentials/<kind:str>/<object_id:id>/qr.png", methods=["GET"], name="png")
    bp.add_route(routes.verify, "/staff/credentials/verify", methods=["POST"], name="verify")

    return bp
