"""Family-member API under ``/api/v1/family``."""

from __future__ import annotations

from sanic import Blueprint

from api.family import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the family routes."""
    bp = Blueprint("family", url_prefix="/family")
    bp.add_route(routes.list_members, "", methods=["GET"], name="list")
    bp.add_route(routes.add_member, "", methods=["POST"], name="add")
    bp.add_route(routes.list_invitations, "/invitations", methods=["GET"], name="invitations")
    bp.add_route(
        routes.accept_invitation, "/invitations/<member_id:id>/accept", methods=["POST"], name="accept"
    )
    bp.add_route(
        routes.decline_invitation, "/invitations/<member_id:id>/decline", methods=["POST"], name="decline"
    )
    bp.add_route(routes.remove_member, "/<member_id:id>", methods=["DELETE"], name="remove")
    return bp
