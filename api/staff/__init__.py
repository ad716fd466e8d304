"""Staff console API under ``/api/v1/staff``."""

from __future__ import annotations

from sanic import Blueprint

from api.staff import alerts, routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the staff routes."""
    bp = Blueprint("staff", url_prefix="/staff")
    bp.add_route(routes.login, "/auth/login", methods=["POST"], name="login")
    bp.add_route(routes.refresh, "/auth/refresh", methods=["POST"], name="refresh")
    bp.add_route(routes.logout, "/auth/logout", methods=["POST"], name="logout")
    bp.add_route(routes.me, "/me", methods=["GET"], name="me")
    bp.add_route(routes.roles, "/roles", methods=["GET"], name="roles")
    bp.add_route(routes.create_account, "/accounts", methods=["POST"], name="create_account")
    bp.add_route(routes.list_accounts, "/accounts", methods=["GET"], name="list_accounts")
    bp.add_route(routes.get_account, "/accounts/<account_id:id>", methods=["GET"], name="get_account")
    bp.add_route(routes.update_account, "/accounts/<account_id:id>", methods=["PATCH"], name="update_account")
    bp.add_route(routes.audit_trail, "/audit", methods=["GET"], name="audit_trail")
    alerts.add_routes(bp)
    return bp
