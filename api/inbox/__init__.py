"""The resident's in-app inbox (notifications)."""

from __future__ import annotations

from sanic import Blueprint

from api.inbox import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the inbox routes."""
    bp = Blueprint("inbox")
    bp.add_route(routes.list_messages, "/inbox", methods=["GET"], name="list")
    bp.add_route(routes.mark_read, "/inbox/<message_id:id>/read", methods=["POST"], name="mark_read")

    return bp
