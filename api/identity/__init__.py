"""Real-name verification API under ``/api/v1/identity``."""

from __future__ import annotations

from sanic import Blueprint

from api.identity import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the verification routes."""
    bp = Blueprint("identity", url_prefix="/identity")
    bp.add_route(routes.start, "/sessions", methods=["POST"], name="start")
    bp.add_route(routes.document_kinds, "/document-kinds", methods=["GET"], name="document_kinds")
    bp.add_route(routes.provider_return, "/return", methods=["GET"], name="return")
    bp.add_route(routes.complete, "/callback", methods=["POST"], name="complete")
    return bp
