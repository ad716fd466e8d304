"""The resident's in-app inbox (notifications)."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Sanic

from api.inbox import routes
from domain.notifications import service


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the inbox routes."""
    bp = Blueprint("inbox")
    bp.add_route(routes.list_messages, "/inbox", methods=["GET"], name="list")
    bp.add_route(routes.mark_read, "/inbox/<message_id:id>/read", methods=["POST"], name="mark_read")

    @bp.before_server_start
    async def install_subscribe_templates(app: Sanic[Any, Any]) -> None:
        # Notification jobs run in the worker, away from any request: they get the template ids
        # once per process. The standalone worker (server.worker.serve) needs the same call.
        service.install_templates(app.ctx.settings.subscribe_template_ids)

    return bp
