"""Residents' applications API under ``/api/v1/applications``."""

from __future__ import annotations

from sanic import Blueprint

from api.applications import routes


def build() -> Blueprint:
    """A fresh blueprint (every app built gets its own) with the residents' application routes."""
    bp = Blueprint("applications", url_prefix="/applications")
    bp.add_route(routes.create, "", methods=["POST"], name="create")
    bp.add_route(routes.list_mine, "", methods=["GET"], name="list")
    bp.add_route(routes.get_one, "/<request_id:id>", methods=["GET"], name="get")
    bp.add_route(routes.update_form, "/<request_id:id>", methods=["PATCH"], name="update_form")
    bp.add_route(routes.add_material, "/<request_id:id>/materials", methods=["POST"], name="add_material")
    bp.add_route(
        routes.get_material, "/<request_id:id>/materials/<material_id:id>", methods=["GET"], name="material"
    )
    bp.add_route(routes.submit, "/<request_id:id>/submit", methods=["POST"], name="submit")
    bp.add_route(routes.withdraw, "/<request_id:id>/withdraw", methods=["POST"], name="withdraw")
    bp.add_route(routes.resubmit, "/<request_id:id>/resubmit", methods=["POST"], name="resubmit")
    bp.add_route(routes.appeal, "/<request_id:id>/appeal", methods=["POST"], name="appeal")
    bp.add_route(routes.pay_fee, "/<request_id:id>/payment", methods=["POST"], name="pay_fee")
    return bp
