"""Residents' login and profile API: ``/api/v1/auth/...`` and ``/api/v1/me``."""

from __future__ import annotations

from sanic import Blueprint

from api.accounts import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the login and profile routes."""
    bp = Blueprint("accounts")
    bp.add_route(routes.wechat_login, "/auth/wechat/login", methods=["POST"], name="wechat_login")
    bp.add_route(routes.refresh, "/auth/refresh", methods=["POST"], name="refresh")
    bp.add_route(routes.logout, "/auth/logout", methods=["POST"], name="logout")
    bp.add_route(routes.me, "/me", methods=["GET"], name="me")
    bp.add_route(routes.update_me, "/me", methods=["PATCH"], name="update_me")
    bp.add_route(routes.bind_phone, "/me/phone", methods=["POST"], name="bind_phone")
    return bp
